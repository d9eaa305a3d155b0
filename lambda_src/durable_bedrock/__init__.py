"""Durable Amazon Bedrock workflows for AWS Lambda durable functions.

Handlers: durable_bedrock.content_pipeline.handler and
durable_bedrock.video_generation.handler.
"""
