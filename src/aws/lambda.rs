//! Lambda calls: GetFunction, GetPolicy, GetFunctionUrlConfig, Invoke.

use aws_sdk_lambda as lambda;
use aws_smithy_types::Blob;
use lambda::error::ProvideErrorMetadata;
use lambda::operation::RequestId;
use lambda::types::{InvocationType, LogType};

use super::{Aws, AwsError, non_empty};

/// A function's configuration, as GetFunction returns it. Environment values are secrets until
/// a front end is told otherwise.
#[derive(Debug, Clone, Default)]
pub struct FunctionConfig {
    pub name: String,
    pub arn: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_s: Option<i32>,
    pub role: Option<String>,
    pub architectures: Vec<String>,
    pub last_modified: Option<String>,
    pub code_size: i64,
    pub description: Option<String>,
    pub state: Option<String>,
    /// Variables sorted by name.
    pub environment: Vec<(String, String)>,
    /// `LoggingConfig.LogGroup`: where the function logs when not `/aws/lambda/NAME`.
    pub log_group: Option<String>,
}

/// What Invoke answered.
#[derive(Debug, Clone, Default)]
pub struct InvokeOutput {
    pub status_code: i32,
    pub executed_version: Option<String>,
    pub function_error: Option<String>,
    /// The decoded `X-Amz-Log-Result` (last 4 KB of the log), when asked for.
    pub log_tail: Option<String>,
    /// The invocation's request id (`x-amzn-RequestId`), which its log lines carry.
    pub request_id: Option<String>,
    pub payload: Vec<u8>,
    /// The log tail was asked for and Lambda refused it (a function of another account:
    /// "Cross-account log access is not allowed"); the function was invoked without it.
    pub tail_refused: Option<String>,
}

/// A function URL's configuration, as GetFunctionUrlConfig returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionUrlConfig {
    pub url: String,
    pub function_arn: String,
    /// `AWS_IAM` or `NONE`.
    pub auth_type: String,
    pub invoke_mode: Option<String>,
    pub created: Option<String>,
}

impl Aws {
    fn lambda(&self, region: &str) -> lambda::Client {
        service_client!(lambda, self, region)
    }

    pub async fn get_function(
        &self,
        region: &str,
        function: &str,
    ) -> Result<FunctionConfig, AwsError> {
        let out = self
            .lambda(region)
            .get_function()
            .function_name(function)
            .send()
            .await
            .map_err(|e| self.call_error("lambda:GetFunction", region, &e))?;
        let Some(c) = out.configuration() else {
            return Ok(FunctionConfig {
                name: function.to_string(),
                ..Default::default()
            });
        };
        let mut environment: Vec<(String, String)> = c
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        environment.sort();
        Ok(FunctionConfig {
            name: c.function_name().unwrap_or(function).to_string(),
            arn: c.function_arn().unwrap_or_default().to_string(),
            runtime: c.runtime().map(|r| r.as_str().to_string()),
            handler: c.handler().map(str::to_string),
            memory_mb: c.memory_size(),
            timeout_s: c.timeout(),
            role: c.role().map(str::to_string),
            architectures: c
                .architectures()
                .iter()
                .map(|a| a.as_str().to_string())
                .collect(),
            last_modified: c.last_modified().map(str::to_string),
            code_size: c.code_size(),
            description: non_empty(c.description()),
            state: c.state().map(|s| s.as_str().to_string()),
            environment,
            log_group: non_empty(c.logging_config().and_then(|l| l.log_group())),
        })
    }

    /// The function's resource policy (JSON text), or `None` when it has none.
    pub async fn get_function_policy(
        &self,
        region: &str,
        function: &str,
    ) -> Result<Option<String>, AwsError> {
        match self
            .lambda(region)
            .get_policy()
            .function_name(function)
            .send()
            .await
        {
            Ok(out) => Ok(out.policy().map(str::to_string)),
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ResourceNotFoundException") =>
            {
                Ok(None)
            }
            Err(e) => Err(self.call_error("lambda:GetPolicy", region, &e)),
        }
    }

    /// The function URL of `function` (a name or ARN), or `None` when it has none.
    pub async fn get_function_url_config(
        &self,
        region: &str,
        function: &str,
    ) -> Result<Option<FunctionUrlConfig>, AwsError> {
        match self
            .lambda(region)
            .get_function_url_config()
            .function_name(function)
            .send()
            .await
        {
            Ok(out) => Ok(Some(FunctionUrlConfig {
                url: out.function_url().to_string(),
                function_arn: out.function_arn().to_string(),
                auth_type: out.auth_type().as_str().to_string(),
                invoke_mode: out.invoke_mode().map(|m| m.as_str().to_string()),
                created: Some(out.creation_time().to_string()).filter(|c| !c.is_empty()),
            })),
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ResourceNotFoundException") =>
            {
                Ok(None)
            }
            Err(e) => Err(self.call_error("lambda:GetFunctionUrlConfig", region, &e)),
        }
    }

    /// Invoke with RequestResponse; `tail` asks for the log tail. When Lambda refuses the tail
    /// (a function of another account), the function is invoked once more without it (the
    /// refusal comes before the function runs) and `tail_refused` says why.
    pub async fn invoke(
        &self,
        region: &str,
        function: &str,
        payload: Vec<u8>,
        tail: bool,
    ) -> Result<InvokeOutput, AwsError> {
        // Never with a lookup role: invoking calls things.
        let send = |tail: bool, payload: Vec<u8>| {
            let mut req = self
                .acting()
                .lambda(region)
                .invoke()
                .function_name(function)
                .invocation_type(InvocationType::RequestResponse)
                .payload(Blob::new(payload));
            if tail {
                req = req.log_type(LogType::Tail);
            }
            req.send()
        };
        let mut tail_refused = None;
        let out = match send(tail, payload.clone()).await {
            Err(e)
                if tail
                    && e.as_service_error()
                        .and_then(|s| s.message())
                        .is_some_and(|m| m.contains("Cross-account log access")) =>
            {
                tail_refused = e
                    .as_service_error()
                    .and_then(|s| s.message())
                    .map(str::to_string);
                send(false, payload).await
            }
            other => other,
        }
        .map_err(|e| self.with_acting_advice(self.call_error("lambda:Invoke", region, &e)))?;
        let log_tail = out
            .log_result()
            .and_then(|b64| aws_smithy_types::base64::decode(b64).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        Ok(InvokeOutput {
            status_code: out.status_code(),
            executed_version: out.executed_version().map(str::to_string),
            function_error: out.function_error().map(str::to_string),
            log_tail,
            request_id: out.request_id().map(str::to_string),
            payload: out
                .payload()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
            tail_refused,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::aws::AwsError;
    use crate::aws::replay::{REGION, Replay, answer};

    #[tokio::test]
    async fn invoke_reports_the_function_error_with_its_log_tail() {
        let tail = aws_smithy_types::base64::encode("START RequestId: req-1\nboom\n");
        let r = Replay::new(vec![answer(
            200,
            "application/json",
            r#"{"errorMessage":"boom","errorType":"Error"}"#,
            &[
                ("x-amz-function-error", "Unhandled"),
                ("x-amz-executed-version", "$LATEST"),
                ("x-amz-log-result", &tail),
                ("x-amzn-requestid", "req-1"),
            ],
        )]);
        let out = r
            .aws
            .invoke(REGION, "fn-1", br#"{"ping":1}"#.to_vec(), true)
            .await
            .unwrap();
        assert_eq!(out.status_code, 200);
        assert_eq!(out.function_error.as_deref(), Some("Unhandled"));
        assert_eq!(out.executed_version.as_deref(), Some("$LATEST"));
        assert_eq!(out.request_id.as_deref(), Some("req-1"));
        assert_eq!(
            out.log_tail.as_deref(),
            Some("START RequestId: req-1\nboom\n")
        );
        assert_eq!(
            out.payload,
            br#"{"errorMessage":"boom","errorType":"Error"}"#
        );
        let sent = &r.sent()[0];
        assert_eq!(sent.method, "POST");
        assert_eq!(
            sent.uri,
            "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/fn-1/invocations"
        );
        assert_eq!(
            sent.header("x-amz-invocation-type"),
            Some("RequestResponse")
        );
        assert_eq!(sent.header("x-amz-log-type"), Some("Tail"));
        assert_eq!(sent.body, r#"{"ping":1}"#);
    }

    #[tokio::test]
    async fn a_function_without_a_resource_policy_has_none_and_other_errors_stay_errors() {
        let not_found = |code: &str, status: u16| {
            answer(
                status,
                "application/json",
                r#"{"Type":"User","Message":"The resource you requested does not exist."}"#,
                &[("x-amzn-errortype", code)],
            )
        };
        let r = Replay::new(vec![
            not_found("ResourceNotFoundException", 404),
            not_found("AccessDeniedException", 403),
        ]);
        assert_eq!(
            r.aws.get_function_policy(REGION, "fn-1").await.unwrap(),
            None
        );
        let err = r.aws.get_function_policy(REGION, "fn-1").await.unwrap_err();
        assert!(
            matches!(&err, AwsError::Call { call: "lambda:GetPolicy", message, .. } if message.starts_with("AccessDeniedException")),
            "{err:?}"
        );
        let sent = r.sent();
        assert_eq!(sent[0].method, "GET");
        assert_eq!(
            sent[0].uri,
            "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/fn-1/policy"
        );
    }
}
