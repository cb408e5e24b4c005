//! DynamoDB: the first items of a table (Scan, paged), as plain JSON, for the built-in `scan`
//! command.

use std::collections::HashMap;

use aws_sdk_dynamodb as ddb;
use ddb::types::AttributeValue;
use serde_json::{Map, Value};

use super::{Aws, AwsError};

impl Aws {
    fn dynamodb(&self, region: &str) -> ddb::Client {
        service_client!(ddb, self, region)
    }

    /// The first `limit` items of the table (its name is its physical id), each as a JSON
    /// object; `true` when the table holds more.
    pub async fn scan_items(
        &self,
        region: &str,
        table: &str,
        limit: usize,
    ) -> Result<(Vec<Value>, bool), AwsError> {
        const CALL: &str = "dynamodb:Scan";
        let client = self.dynamodb(region);
        let mut pages = crate::bounds::Pages::new(CALL);
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        let mut items = Vec::new();
        loop {
            let want = limit.saturating_sub(items.len()).max(1);
            let page = client
                .scan()
                .table_name(table)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            for item in page.items() {
                if items.len() == limit {
                    return Ok((items, true));
                }
                items.push(item_json(item));
            }
            let next = page.last_evaluated_key().filter(|k| !k.is_empty());
            // The page guard compares tokens: the key, written out, is this listing's token.
            let token = next.map(|k| format!("{:?}", sorted(k)));
            if pages
                .next(token)
                .map_err(|l| super::page_limit(region, l))?
                .is_none()
            {
                return Ok((items, false));
            }
            if items.len() == limit {
                return Ok((items, true));
            }
            start = next.cloned();
        }
    }
}

fn sorted(key: &HashMap<String, AttributeValue>) -> Vec<(&String, &AttributeValue)> {
    let mut v: Vec<_> = key.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// An item as plain JSON: strings, numbers, booleans, null, lists and maps as themselves; sets
/// as arrays; binary values as base64 strings. Attributes sorted by name.
pub fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    Value::Object(
        names
            .into_iter()
            .map(|k| (k.clone(), value_json(&item[k])))
            .collect::<Map<String, Value>>(),
    )
}

fn number(n: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(n)
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(n.to_string()))
}

fn value_json(v: &AttributeValue) -> Value {
    use aws_smithy_types::base64;
    match v {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::B(b) => Value::String(base64::encode(b.as_ref())),
        AttributeValue::L(l) => Value::Array(l.iter().map(value_json).collect()),
        AttributeValue::M(m) => item_json(m),
        AttributeValue::Ss(s) => Value::Array(s.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(n) => Value::Array(n.iter().map(|n| number(n)).collect()),
        AttributeValue::Bs(b) => Value::Array(
            b.iter()
                .map(|b| Value::String(base64::encode(b.as_ref())))
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_become_plain_json() {
        let item = HashMap::from([
            ("pk".to_string(), AttributeValue::S("a".into())),
            ("n".to_string(), AttributeValue::N("1.5".into())),
            (
                "m".to_string(),
                AttributeValue::M(HashMap::from([(
                    "l".to_string(),
                    AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)]),
                )])),
            ),
            (
                "ss".to_string(),
                AttributeValue::Ss(vec!["x".into(), "y".into()]),
            ),
        ]);
        assert_eq!(
            item_json(&item).to_string(),
            r#"{"m":{"l":[true,null]},"n":1.5,"pk":"a","ss":["x","y"]}"#
        );
    }
}
