"""Shows that every compatibility patch is needed: with one patch left out,
the tests that cover its gap must fail (and with none left out, pass).

Run by `make test-compat-needed`. Exit status 0 only if every patch's tests
fail without it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Patch name (devkit/local_aws/ministack_compat.py) -> the tests that cover its gap.
COVERING_TESTS = {
    "durable_config_enables_durability": ["test_sync_invoke_of_plain_durable_config_returns_the_result_after_the_wait"],
    "event_invoke_runs_durable_execution": ["test_event_invoke_resumes_after_the_wait_and_succeeds"],
    "sync_invoke_waits_for_execution": [
        "test_sync_invoke_of_plain_durable_config_returns_the_result_after_the_wait",
        "test_sync_invoke_of_failed_execution_reports_a_function_error",
    ],
    "step_retry_counts_attempt": ["test_failing_step_ends_failed_after_its_attempt_budget"],
    "crashed_invocation_is_retried": ["test_crashed_worker_is_reinvoked_without_rerunning_completed_steps"],
    "resume_runs_started_version": ["test_resume_runs_the_version_the_execution_started_on"],
    "step_retries_in_history_like_aws": ["test_each_attempt_of_a_retried_step_is_in_the_history"],
    "resumes_run_concurrently": ["test_resumes_of_different_executions_run_at_once"],
    "async_invocations_queue_at_concurrency_limit": [
        "test_the_account_concurrency_defaults_to_a_local_ceiling",
        "test_throttled_async_invocations_wait_in_the_queue_and_run",
    ],
    "managed_durable_policy_exists": ["test_managed_durable_execution_policy_is_readable"],
    "bucket_request_payment_readable": ["test_bucket_request_payment_is_readable"],
    "inference_profiles_route_like_aws": ["test_a_system_defined_inference_profile_lists_its_destination_models"],
    "async_invoke_writes_video_like_aws": [
        "test_an_async_job_writes_its_video_into_a_folder_named_after_it",
        "test_an_async_job_that_cannot_write_fails_with_a_message",
    ],
    "durable_list_filters_every_status": ["test_listing_by_several_statuses_returns_executions_in_each"],
    "execution_names_are_idempotent": [
        "test_a_repeated_start_with_the_same_name_and_payload_returns_the_running_execution",
        "test_the_same_name_with_another_payload_is_refused_while_running_and_after_it_closed",
        "test_a_synchronous_start_with_the_name_of_a_closed_execution_returns_its_result_without_running_it",
        "test_a_name_is_taken_across_the_versions_of_the_function_but_not_by_another_function",
    ],
    "durable_list_without_qualifier_spans_versions": ["test_listing_without_a_qualifier_spans_every_version"],
    "restored_execution_is_reinvoked": ["test_an_invocation_lost_with_a_restart_runs_again_from_the_last_checkpoint"],
    "loopback_requests_count_as_tls": ["test_a_tls_only_bucket_takes_writes_and_reads_from_allowed_callers"],
    "stop_ends_invocations_first": ["test_an_invocation_cut_off_by_a_stop_is_in_the_history_as_failed"],
    "current_foundation_models_in_catalog": ["test_current_models_are_in_the_foundation_model_catalog"],
    "use_case_form_absent_until_submitted": ["test_the_use_case_form_is_absent_until_submitted"],
    "simulation_resolves_principal_arn": [
        "test_simulation_resolves_a_role_arn_with_its_path_and_refuses_unknown_principals"
    ],
    "service_quotas_lists_bedrock_quotas": ["test_service_quotas_lists_bedrock_quotas_page_by_page"],
    "bedrock_runtime_authorized_like_aws": [
        "test_the_modules_profile_policy_allows_converse_through_the_profile",
        "test_a_profile_call_needs_the_model_in_every_destination_region",
        "test_a_deny_on_the_routed_models_denies_the_profile_call",
        "test_converse_is_not_an_iam_action",
        "test_a_model_granted_only_through_the_profile_cannot_be_called_directly",
        "test_start_async_invoke_is_authorized_as_invoke_model_on_the_model",
        "test_get_async_invoke_is_authorized_on_the_job",
    ],
    "async_invoke_writes_as_the_caller": ["test_an_async_job_writes_its_output_with_the_callers_permissions"],
    "durable_apis_authorized_as_their_actions": [
        "test_the_role_must_allow_checkpoints_on_the_qualified_function_not_the_unqualified_one",
        "test_get_durable_execution_is_authorized_on_the_execution",
        "test_listing_executions_by_function_is_its_own_action",
        "test_a_callback_needs_its_send_action",
        "test_invoke_by_name_and_qualifier_is_authorized_on_the_alias_it_names",
    ],
    "pending_steps_ready_in_checkpoint_answers": [
        "test_a_branch_retried_while_another_runs_resumes_in_the_same_invocation"
    ],
    "chained_invoke_runs_child_execution": [
        "test_parts_run_as_child_executions_of_the_same_version_none_lost_or_repeated"
    ],
    "chained_invoke_authorized_as_the_role": [
        "test_a_role_without_invoke_on_its_own_versions_fails_the_fan_out_and_starts_no_child"
    ],
    "callback_timeouts_of_zero_mean_none": [
        "test_a_callback_without_a_heartbeat_timeout_waits_for_its_answer",
        "test_invoke_shows_the_pending_review_and_approve_finishes_it",
    ],
    "function_logs_written_as_the_role": [
        "test_logs_need_create_log_stream_and_put_log_events_on_the_group",
        "test_a_grant_on_the_bare_log_group_arn_writes_nothing",
        "test_a_custom_log_group_needs_the_grant_on_that_group",
        "test_a_missing_log_group_is_created_only_with_create_log_group",
    ],
    "active_tracing_needs_the_roles_trace_grant": [
        "test_a_function_is_created_with_active_tracing_only_if_its_role_may_send_traces",
        "test_tracing_is_turned_on_later_only_once_the_role_may_send_traces",
    ],
    "event_source_mapping_checks_the_role_like_aws": [
        "test_a_mapping_is_created_only_if_the_role_may_make_every_read",
        "test_a_mapping_is_not_updated_while_its_role_lacks_a_read",
    ],
    "event_source_mapping_reads_as_the_function_role": [
        "test_the_mapping_receives_only_while_the_role_may",
        "test_the_mapping_deletes_only_while_the_role_may",
    ],
    "public_function_url_needs_its_grants": ["test_a_public_url_answers_only_once_both_grants_are_in_the_policy"],
    "sns_publish_needs_the_topic_key": ["test_a_topic_with_a_customer_key_needs_the_grant_on_the_key_through_sns"],
    "durable_status_changes_reach_eventbridge": [
        "test_a_failed_execution_reaches_the_topic_as_a_status_change_event",
        "test_every_status_change_of_the_function_and_none_of_another",
    ],
    "eventbridge_publishes_where_the_topic_policy_allows": [
        "test_a_topic_whose_policy_names_another_rule_receives_nothing"
    ],
}


def run(skip: str, tests: list[str]) -> tuple[int, int]:
    """(passed, failed) of the given tests with patch `skip` left out."""
    env = {**os.environ, "LOCAL_AWS_COMPAT_SKIP": skip}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TESTS), "-k", " or ".join(tests)],
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    counts = dict.fromkeys(("passed", "failed", "error"), 0)
    for number, word in re.findall(r"(\d+) (passed|failed|error)", out.splitlines()[-1] if out else ""):
        counts[word] = int(number)
    # A test whose fixture fails (an error) did not pass either.
    return counts["passed"], counts["failed"] + counts["error"]


def main() -> int:
    ok = True
    for patch, tests in COVERING_TESTS.items():
        passed, failed = run(patch, tests)
        needed = passed == 0 and failed == len(tests)
        ok &= needed
        verdict = "needed" if needed else "NOT SHOWN NEEDED"
        print(f"without {patch}: {failed} failed, {passed} passed of {len(tests)} -> {verdict}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
