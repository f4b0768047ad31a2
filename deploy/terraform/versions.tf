terraform {
  # Preconditions (1.2) and optional object attributes are all the module needs beyond the basics;
  # 1.5 is the oldest release it is tested against in spirit, 1.11 the one `make test` runs.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # logging_config on aws_lambda_function needs 5.31; 6.x may rename arguments.
      version = ">= 5.31, < 6.0"
    }
  }
}
