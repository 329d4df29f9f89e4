"""Terraform analysis beyond parsing: expression evaluation, module instances, principals and grants."""
