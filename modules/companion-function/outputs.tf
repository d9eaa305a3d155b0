output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function" {
  description = "The function's settings as deployed (handler, timeout, environment, tracing), for the caller's tests."
  value = {
    handler     = aws_lambda_function.this.handler
    timeout     = aws_lambda_function.this.timeout
    environment = aws_lambda_function.this.environment[0].variables
    tracing     = aws_lambda_function.this.tracing_config[0].mode
    durable     = length(aws_lambda_function.this.durable_config) > 0
  }
}

output "role" {
  description = "The execution role: name, id and trust policy."
  value = {
    name         = aws_iam_role.this.name
    id           = aws_iam_role.this.id
    trust_policy = aws_iam_role.this.assume_role_policy
  }
}

output "role_policies" {
  description = "The role's inline policies by name (the caller's statements with WriteOwnLogs; xray when tracing): the role each is attached to and its document."
  value       = { for policy in concat([aws_iam_role_policy.this], aws_iam_role_policy.xray) : policy.name => { role = policy.role, document = policy.policy } }
}
