// A broker-side SASL/OAUTHBEARER validator for the tests: it checks an Amazon MSK IAM token the way
// MSK does (a SigV4 query-presigned "GET https://<host>/?Action=kafka-cluster:Connect", signed for
// service kafka-cluster in the cluster's region with a known key, and not expired), so a local
// Kafka broker can stand in for an MSK IAM listener. Test code: the secret keys come from a small
// credentials file given to the broker. See docs/reliability.md ("MSK IAM end to end").
//
// JAAS options (listener.name.<listener>.oauthbearer.sasl.jaas.config):
//   region              the cluster's region (required)
//   credentialsFile     lines "<access key id> <secret access key>" (required)
//   host                the host the token must be signed for (default kafka.<region>.amazonaws.com,
//                       the regional endpoint the official aws-msk-iam-sasl-signer libraries sign)
//   maxLifetimeSeconds  the longest session the broker grants one token (default 900): the broker
//                       makes the client re-authenticate at min(token expiry, now + this)
//   clockOffsetFile     a file holding whole seconds (optionally signed) added to this broker's clock,
//                       re-read at every validation (absent file: 0)
//   validationLog       a file that gets one line per validation: outcome, listener, access key id,
//                       X-Amz-Date, reason (never a secret or a signature)
//   listener            a name for the log lines
//
// A refused token gets the OAUTHBEARER error status "invalid_token: <reason>", which the broker
// sends to the client ({"status":"..."}): librdkafka shows it in its authentication error.
package dispatcher.test;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

public final class MskIamValidatorCallbackHandler implements AuthenticateCallbackHandler {
  private static final String SERVICE = "kafka-cluster";
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  // Tokens dated further ahead than this are "not yet valid" (SigV4's usual tolerance).
  private static final long FUTURE_SKEW_SECONDS = 300;
  private static final String EMPTY_PAYLOAD_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private String region;
  private String host;
  private long maxLifetimeSeconds = 900;
  private Path credentialsFile;
  private Path clockOffsetFile;
  private Path validationLog;
  private String listener = "?";

  /** Why a token is refused; the message is what the client sees. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
      super(message);
    }
  }

  @Override
  public void configure(
      Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
    if (!"OAUTHBEARER".equals(saslMechanism) || jaasConfigEntries.size() != 1) {
      throw new IllegalArgumentException(
          "MskIamValidatorCallbackHandler serves OAUTHBEARER with one JAAS entry, not "
              + saslMechanism);
    }
    Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
    region = required(options, "region");
    credentialsFile = Path.of(required(options, "credentialsFile"));
    host = optional(options, "host", "kafka." + region + ".amazonaws.com");
    maxLifetimeSeconds = Long.parseLong(optional(options, "maxLifetimeSeconds", "900"));
    String offset = optional(options, "clockOffsetFile", "");
    clockOffsetFile = offset.isEmpty() ? null : Path.of(offset);
    String log = optional(options, "validationLog", "");
    validationLog = log.isEmpty() ? null : Path.of(log);
    listener = optional(options, "listener", listener);
  }

  private static String required(Map<String, ?> options, String name) {
    Object value = options.get(name);
    if (value == null || value.toString().isEmpty()) {
      throw new IllegalArgumentException("MskIamValidatorCallbackHandler: option " + name
          + " is required");
    }
    return value.toString();
  }

  private static String optional(Map<String, ?> options, String name, String fallback) {
    Object value = options.get(name);
    return value == null || value.toString().isEmpty() ? fallback : value.toString();
  }

  @Override
  public void close() {}

  @Override
  public void handle(Callback[] callbacks) throws IOException, UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (callback instanceof OAuthBearerValidatorCallback validation) {
        validate(validation);
      } else if (callback instanceof OAuthBearerExtensionsValidatorCallback extensions) {
        // MSK IAM tokens carry everything in the URL; any SASL extension is unexpected.
        for (String name : extensions.inputExtensions().map().keySet()) {
          extensions.error(name, "MSK IAM authentication takes no SASL extensions");
        }
      } else {
        throw new UnsupportedCallbackException(callback);
      }
    }
  }

  private void validate(OAuthBearerValidatorCallback callback) {
    Map<String, String> seen = new HashMap<>();
    try {
      OAuthBearerToken token = check(callback.tokenValue(), seen);
      callback.token(token);
      record("accepted", seen, "lifetime_ms=" + (token.lifetimeMs() - System.currentTimeMillis()));
    } catch (Refusal refusal) {
      callback.error("invalid_token: " + refusal.getMessage(), null, null);
      record("refused", seen, refusal.getMessage());
    }
  }

  private long clockOffsetSeconds() throws Refusal {
    if (clockOffsetFile == null || !Files.exists(clockOffsetFile)) {
      return 0;
    }
    try {
      String text = Files.readString(clockOffsetFile).trim();
      return text.isEmpty() ? 0 : Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
    } catch (IOException | NumberFormatException e) {
      throw new Refusal("the broker's clock offset file is unreadable: " + e.getMessage());
    }
  }

  private OAuthBearerToken check(String tokenValue, Map<String, String> seen) throws Refusal {
    final long offsetSeconds = clockOffsetSeconds();
    final long realNowMs = System.currentTimeMillis();
    final long nowSeconds = realNowMs / 1000 + offsetSeconds;

    String url;
    try {
      url = new String(Base64.getUrlDecoder().decode(tokenValue), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Refusal("not an MSK IAM token: not URL-safe base64");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new Refusal("not an MSK IAM token: the decoded token is not a URL");
    }
    if (!"https".equals(uri.getScheme()) || uri.getRawQuery() == null) {
      throw new Refusal("not an MSK IAM token: not an https URL with a query");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    // Decoded query parameters, in the order they came.
    List<String[]> parameters = new ArrayList<>();
    Map<String, String> query = new HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int equals = pair.indexOf('=');
      String key = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (query.put(key, value) != null) {
        throw new Refusal("query parameter " + key + " appears twice");
      }
      parameters.add(new String[] {key, value});
    }
    String credential = need(query, "X-Amz-Credential");
    String[] scope = credential.split("/");
    if (scope.length != 5 || !"aws4_request".equals(scope[4])) {
      throw new Refusal("X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request");
    }
    String accessKeyId = scope[0];
    seen.put("key", accessKeyId);
    String amzDate = need(query, "X-Amz-Date");
    seen.put("date", amzDate);
    if (!"kafka-cluster:Connect".equals(query.get("Action"))) {
      throw new Refusal("Action is " + query.get("Action") + ", not kafka-cluster:Connect");
    }
    if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) {
      throw new Refusal("X-Amz-Algorithm is not " + ALGORITHM);
    }
    if (!SERVICE.equals(scope[3])) {
      throw new Refusal("signed for service " + scope[3] + ", not " + SERVICE);
    }
    if (!region.equals(scope[2])) {
      throw new Refusal("signed for region " + scope[2] + ", but this cluster is in " + region);
    }
    String tokenHost = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    if (!host.equals(tokenHost)) {
      throw new Refusal("signed for host " + tokenHost + ", but this cluster is " + host);
    }
    if (!"host".equals(query.get("X-Amz-SignedHeaders"))) {
      throw new Refusal("X-Amz-SignedHeaders is not host");
    }
    long signedAt;
    try {
      signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toEpochSecond(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new Refusal("X-Amz-Date is not yyyyMMddTHHmmssZ");
    }
    if (!amzDate.startsWith(scope[1]) || scope[1].length() != 8) {
      throw new Refusal("the credential scope date is not the date of X-Amz-Date");
    }
    long expires;
    try {
      expires = Long.parseLong(need(query, "X-Amz-Expires"));
    } catch (NumberFormatException e) {
      throw new Refusal("X-Amz-Expires is not a number");
    }
    if (expires <= 0) {
      throw new Refusal("X-Amz-Expires is not positive");
    }
    String secret = secretKeyOf(accessKeyId);
    if (secret == null) {
      throw new Refusal("access key id " + accessKeyId + " is not known to this cluster");
    }
    String signature = need(query, "X-Amz-Signature");
    String expected = sign(secret, amzDate, scope, canonicalRequest(path, parameters, tokenHost));
    if (!MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        signature.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      throw new Refusal("the signature does not match (not signed with the secret key of "
          + accessKeyId + ", or the token was altered)");
    }
    long expiresAt = signedAt + expires;
    if (expiresAt <= nowSeconds) {
      throw new Refusal("the token expired at " + Instant.ofEpochSecond(expiresAt)
          + " (X-Amz-Date " + amzDate + " + X-Amz-Expires " + expires + " s); the broker's time is "
          + Instant.ofEpochSecond(nowSeconds));
    }
    if (signedAt > nowSeconds + FUTURE_SKEW_SECONDS) {
      throw new Refusal("the token is dated " + amzDate + ", more than " + FUTURE_SKEW_SECONDS
          + " s after the broker's time " + Instant.ofEpochSecond(nowSeconds));
    }
    // In the broker's own (real) clock: the session ends at the token's expiry or the cap.
    long remainingSeconds = Math.min(expiresAt - nowSeconds, maxLifetimeSeconds);
    final long lifetimeMs = realNowMs + remainingSeconds * 1000;
    final long startMs = (signedAt - offsetSeconds) * 1000;
    return new OAuthBearerToken() {
      @Override
      public String value() {
        return tokenValue;
      }

      @Override
      public Set<String> scope() {
        return Set.of();
      }

      @Override
      public long lifetimeMs() {
        return lifetimeMs;
      }

      @Override
      public String principalName() {
        return accessKeyId;
      }

      @Override
      public Long startTimeMs() {
        return startMs;
      }
    };
  }

  private static String need(Map<String, String> query, String name) throws Refusal {
    String value = query.get(name);
    if (value == null || value.isEmpty()) {
      throw new Refusal("query parameter " + name + " is missing");
    }
    return value;
  }

  private static String decode(String text) throws Refusal {
    try {
      // URLDecoder would turn '+' into a space; SigV4 query values encode a space as %20.
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Refusal("the token URL has a malformed percent-escape");
    }
  }

  // RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ as %XX.
  private static String encode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
          || c == '_' || c == '.' || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  // The canonical request of the presigned GET: every query parameter but the signature and the
  // User-Agent (the official signers add it after signing), sorted; host the only header.
  private static String canonicalRequest(String path, List<String[]> parameters, String host) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (String[] parameter : parameters) {
      if (parameter[0].equals("X-Amz-Signature") || parameter[0].equals("User-Agent")) {
        continue;
      }
      sorted.put(encode(parameter[0]), encode(parameter[1]));
    }
    StringBuilder query = new StringBuilder();
    for (Map.Entry<String, String> entry : sorted.entrySet()) {
      if (query.length() > 0) {
        query.append('&');
      }
      query.append(entry.getKey()).append('=').append(entry.getValue());
    }
    return "GET\n" + path + "\n" + query + "\nhost:" + host + "\n\nhost\n" + EMPTY_PAYLOAD_SHA256;
  }

  private static String sign(String secret, String amzDate, String[] scope, String canonical)
      throws Refusal {
    try {
      String credentialScope = scope[1] + "/" + scope[2] + "/" + scope[3] + "/" + scope[4];
      String toSign = ALGORITHM + "\n" + amzDate + "\n" + credentialScope + "\n"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
      byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), scope[1]);
      key = hmac(key, scope[2]);
      key = hmac(key, scope[3]);
      key = hmac(key, "aws4_request");
      return HexFormat.of().formatHex(hmac(key, toSign));
    } catch (GeneralSecurityException e) {
      throw new Refusal("the broker cannot compute SigV4: " + e.getMessage());
    }
  }

  private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private String secretKeyOf(String accessKeyId) throws Refusal {
    try {
      for (String line : Files.readAllLines(credentialsFile)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length == 2 && fields[0].equals(accessKeyId)) {
          return fields[1];
        }
      }
      return null;
    } catch (IOException e) {
      throw new Refusal("the broker cannot read its credentials file");
    }
  }

  private synchronized void record(String outcome, Map<String, String> seen, String detail) {
    if (validationLog == null) {
      return;
    }
    Instant now = Instant.now();
    String line = now + " " + outcome + " listener=" + listener + " at_ms=" + now.toEpochMilli()
        + " key="
        + seen.getOrDefault("key", "-") + " date=" + seen.getOrDefault("date", "-") + " "
        + detail.replace('\n', ' ') + "\n";
    try {
      Files.writeString(validationLog, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      // The log is for the tests' assertions; a failed write shows there as a missing line.
    }
  }
}
