# expect: 1:1 holds only comments
# A cluster file with comments only.
# cluster "ml-dev" {
#   region = "eu-west-1"
# }

// and a C++ style comment
/* and a block
   comment */
