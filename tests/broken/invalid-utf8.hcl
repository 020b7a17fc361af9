# expect: 6:20 is not a text file
# A Latin-1 file: the e-mail holds an e with an acute accent that is not UTF-8.

cluster "ml-dev" {
  region     = "eu-west-1"
  acme_email = "rené@example.com"
}
