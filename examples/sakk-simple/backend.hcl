bucket         = "bucket-with-terraform-states"
key            = "some-key/kubeflow-sandbox"
region         = "us-east-2"
dynamodb_table = "dynamodb-table-for-locks"
