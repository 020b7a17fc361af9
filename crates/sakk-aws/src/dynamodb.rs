//! DynamoDB: the lock table.

use crate::{convert, invalid};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, Tag,
};
use sakk_cloud::dynamodb::*;
use sakk_cloud::{CloudResult, Tags};
use std::collections::HashMap;

pub struct DynamoDbClient(pub Client);

const SERVICE: &str = "dynamodb";

fn to_sdk(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter()
        .map(|(name, value)| {
            let value = match value {
                Attribute::String(text) => AttributeValue::S(text.clone()),
                Attribute::Number(text) => AttributeValue::N(text.clone()),
            };
            (name.clone(), value)
        })
        .collect()
}

fn from_sdk(item: &HashMap<String, AttributeValue>) -> Item {
    item.iter()
        .filter_map(|(name, value)| {
            let value = match value {
                AttributeValue::S(text) => Attribute::String(text.clone()),
                AttributeValue::N(text) => Attribute::Number(text.clone()),
                // The lock item holds only strings and numbers; anything else is not ours.
                _ => return None,
            };
            Some((name.clone(), value))
        })
        .collect()
}

#[async_trait]
impl DynamoDb for DynamoDbClient {
    async fn get_item(&self, table: &str, key_name: &str, key: &str) -> CloudResult<Option<Item>> {
        let output = self
            .0
            .get_item()
            .table_name(table)
            .key(key_name, AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "GetItem", error))?;
        Ok(output.item().map(from_sdk))
    }

    async fn put_item(
        &self,
        table: &str,
        item: Item,
        condition: Option<&Condition>,
    ) -> CloudResult<WriteOutcome> {
        let mut request = self
            .0
            .put_item()
            .table_name(table)
            .set_item(Some(to_sdk(&item)));
        if let Some(condition) = condition {
            request = request.condition_expression(&condition.expression);
            if !condition.names.is_empty() {
                request = request.set_expression_attribute_names(Some(
                    condition
                        .names
                        .iter()
                        .map(|(key, value)| (key.clone(), value.clone()))
                        .collect(),
                ));
            }
            if !condition.values.is_empty() {
                request = request.set_expression_attribute_values(Some(to_sdk(&condition.values)));
            }
        }
        match request.send().await {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(error) => {
                let error = convert(SERVICE, "PutItem", error);
                if error.code == "ConditionalCheckFailedException" {
                    Ok(WriteOutcome::ConditionFailed)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn describe_table(&self, table: &str) -> CloudResult<Option<TableDescription>> {
        let output = match self.0.describe_table().table_name(table).send().await {
            Ok(output) => output,
            Err(error) => {
                let error = convert(SERVICE, "DescribeTable", error);
                return if error.code == "ResourceNotFoundException" {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        let Some(table) = output.table() else {
            return Ok(None);
        };
        Ok(Some(TableDescription {
            status: table
                .table_status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
            key_schema: table
                .key_schema()
                .iter()
                .map(|element| {
                    (
                        element.attribute_name().to_owned(),
                        element.key_type().as_str().to_owned(),
                    )
                })
                .collect(),
            attribute_types: table
                .attribute_definitions()
                .iter()
                .map(|definition| {
                    (
                        definition.attribute_name().to_owned(),
                        definition.attribute_type().as_str().to_owned(),
                    )
                })
                .collect(),
            // Tables created before on-demand billing existed carry no summary: provisioned.
            billing_mode: table
                .billing_mode_summary()
                .and_then(|summary| summary.billing_mode())
                .map(|mode| mode.as_str().to_owned())
                .unwrap_or_else(|| "PROVISIONED".to_owned()),
            arn: table.table_arn().unwrap_or_default().to_owned(),
        }))
    }

    async fn create_table(&self, table: &str, key_name: &str, tags: &Tags) -> CloudResult<()> {
        let operation = "CreateTable";
        let tags = tags
            .iter()
            .map(|(key, value)| {
                Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .map_err(|error| invalid(SERVICE, operation, error))
            })
            .collect::<CloudResult<Vec<_>>>()?;
        self.0
            .create_table()
            .table_name(table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(key_name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|error| invalid(SERVICE, operation, error))?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(key_name)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(|error| invalid(SERVICE, operation, error))?,
            )
            .billing_mode(BillingMode::PayPerRequest)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, operation, error))?;
        Ok(())
    }
}
