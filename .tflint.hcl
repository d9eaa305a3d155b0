# tflint configuration: the Terraform language ruleset bundled with tflint,
# recommended preset plus naming and documentation rules. (The AWS ruleset
# plugin is not obtainable on this project's machines: see README, Toolchain.)
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

rule "terraform_naming_convention" {
  enabled = true
}

rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}
