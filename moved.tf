# Where resources used to live, so that an apply after an upgrade moves them instead of
# replacing them. Replacing the review page's function would also replace its function URL,
# and the links of reviews already sent would stop working.

moved {
  from = aws_cloudwatch_log_group.starter[0]
  to   = module.starter[0].aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.starter[0]
  to   = module.starter[0].aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.starter[0]
  to   = module.starter[0].aws_iam_role_policy.this
}

moved {
  from = aws_iam_role_policy.starter_xray[0]
  to   = module.starter[0].aws_iam_role_policy.xray[0]
}

moved {
  from = aws_lambda_function.starter[0]
  to   = module.starter[0].aws_lambda_function.this
}

moved {
  from = aws_cloudwatch_log_group.review_page[0]
  to   = module.review_page[0].aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.review_page[0]
  to   = module.review_page[0].aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.review_page[0]
  to   = module.review_page[0].aws_iam_role_policy.this
}

moved {
  from = aws_iam_role_policy.review_page_xray[0]
  to   = module.review_page[0].aws_iam_role_policy.xray[0]
}

moved {
  from = aws_lambda_function.review_page[0]
  to   = module.review_page[0].aws_lambda_function.this
}
