//! `<singular>Changed` per exposed module: one event per changed record, as the subscriber's own
//! token shows it (`live`). Served by `http::ws` (graphql-transport-ws) and `http::sse`
//! (graphql-sse); those keep the session's lifetime, this keeps the stream.

use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputValue, Object, ResolverContext, Subscription, SubscriptionField,
    SubscriptionFieldFuture, TypeRef,
};
use async_graphql::{Error, Value};
use tokio::sync::broadcast::error::RecvError;

use super::context;
use crate::error::GatewayError;
use crate::live::{Change, Operation};
use crate::meta::validate::is_record_id;
use crate::meta::{CrmModel, ModuleDef};
use crate::zoho::records::Record;

const OPERATION_ENUM: &str = "ChangeOperation";
/// Most ids one subscription may narrow to.
const MAX_IDS: usize = 1000;

/// One event: a changed record, and how it looks to the subscriber (`None` when deleted).
struct Event {
    operation: Operation,
    id: String,
    record: Option<Record>,
}

pub fn subscription(model: &CrmModel) -> Subscription {
    let mut root = Subscription::new("Subscription");
    for m in &model.modules {
        root = root.field(changed_field(m));
    }
    root
}

/// The operation enum and each module's `<Type>Change`.
pub fn types(model: &CrmModel) -> Vec<async_graphql::dynamic::Type> {
    let operation = Enum::new(OPERATION_ENUM)
        .description("What happened to a record.")
        .item(EnumItem::new(Operation::Created.name()))
        .item(EnumItem::new(Operation::Updated.name()))
        .item(EnumItem::new(Operation::Deleted.name()));
    let mut types = vec![operation.into()];
    for m in &model.modules {
        let singular = m.singular_field.clone();
        let change = Object::new(change_type(m))
            .description(format!("A {} was created, updated or deleted (in Zoho or through this gateway).", m.singular_label))
            .field(Field::new("operation", TypeRef::named_nn(OPERATION_ENUM), |ctx| {
                let op = event(&ctx).map(|e| e.operation.name());
                FieldFuture::Value(op.map(|name| FieldValue::value(Value::Enum(async_graphql::Name::new(name)))))
            }))
            .field(Field::new("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::Value(event(&ctx).map(|e| FieldValue::value(Value::String(e.id.clone()))))
            }))
            .field(
                Field::new(singular.as_str(), TypeRef::named(m.type_name.as_str()), |ctx| {
                    FieldFuture::Value(event(&ctx).and_then(|e| e.record.as_ref()).map(|r| FieldValue::borrowed_any(r)))
                })
                .description(format!(
                    "The {} as you see it now, read with your own sign-in; null when it was deleted.",
                    m.singular_label
                )),
            );
        types.push(change.into());
    }
    types
}

fn change_type(m: &ModuleDef) -> String {
    format!("{}Change", m.type_name)
}

fn event<'a>(ctx: &ResolverContext<'a>) -> Option<&'a Event> {
    ctx.parent_value.downcast_ref::<Event>()
}

fn changed_field(m: &Arc<ModuleDef>) -> SubscriptionField {
    let m2 = m.clone();
    SubscriptionField::new(format!("{}Changed", m.singular_field), TypeRef::named_nn(change_type(m)), move |ctx| {
        let m = m2.clone();
        SubscriptionFieldFuture::new(async move { changes(ctx, m).await.map_err(Error::from) })
    })
    .description(format!(
        "Every {} created, updated or deleted from now on that you may see, in Zoho's own UI too (with \
         GATEWAY_PUBLIC_URL set), each re-read with your sign-in. `ids` and `operations` narrow it down. Served over \
         WebSocket (graphql-transport-ws) and Server-Sent Events (graphql-sse) at /graphql.",
        m.singular_label
    ))
    .argument(InputValue::new("ids", TypeRef::named_nn_list(TypeRef::ID)).description("Only these records."))
    .argument(InputValue::new("operations", TypeRef::named_nn_list(OPERATION_ENUM)).description("Only these operations."))
}

/// The stream of one subscription: checks the session and arguments first (errors end it before
/// it starts), then follows the org's changes until the transport drops it.
async fn changes<'a>(
    ctx: ResolverContext<'a>,
    m: Arc<ModuleDef>,
) -> Result<impl futures::Stream<Item = async_graphql::Result<FieldValue<'a>>> + 'a, GatewayError> {
    let state = context::state(ctx.ctx);
    let live = state.live.clone();
    let view = context::signed_in(ctx.ctx).await?;
    let crm = context::crm(ctx.ctx).await?.clone();
    let ids = string_list(&ctx, "ids")?;
    if ids.as_ref().is_some_and(|ids| ids.len() > MAX_IDS) {
        return Err(GatewayError::bad_input(Some("ids"), format!("At most {MAX_IDS} ids.")));
    }
    if let Some(bad) = ids.iter().flatten().find(|id| !is_record_id(id)) {
        return Err(GatewayError::bad_input(Some("ids"), format!("{bad:?} is not a record id.")));
    }
    let operations: Option<Vec<Operation>> = string_list(&ctx, "operations")?.map(|names| {
        [Operation::Created, Operation::Updated, Operation::Deleted]
            .into_iter()
            .filter(|o| names.iter().any(|n| n == o.name()))
            .collect()
    });
    // Listening starts before the subscription is counted (`gateway_live_subscriptions`): a
    // change made once it is counted reaches it, also while the drift is looked up below.
    let mut incoming = live.changes();
    let guard = live.subscribe(&view.session.id_hash).map_err(|_| GatewayError::TooManySubscriptions(live.limits.per_session))?;
    // Every field of the module (less what Zoho no longer has): one read serves every selection
    // of this user's subscribers.
    let mut fields: Vec<String> = m.fields.iter().map(|f| f.api_name.clone()).collect();
    context::drift(ctx.ctx).await?.retain(&m.api_name, &mut fields);
    let (org, user) = (view.session.key.org_id.clone(), view.session.key.clone());
    Ok(async_stream::stream! {
        let _guard = guard;
        loop {
            let change: Arc<Change> = match incoming.recv().await {
                Ok(change) => change,
                Err(RecvError::Lagged(_)) => {
                    crate::telemetry::live_slow_consumer();
                    yield Err(GatewayError::SlowConsumer.into());
                    break;
                }
                Err(RecvError::Closed) => break,
            };
            if change.org != org || change.module != m.api_name {
                continue;
            }
            if operations.as_ref().is_some_and(|ops| !ops.contains(&change.operation)) {
                continue;
            }
            let wanted: Vec<&String> =
                change.ids.iter().filter(|id| ids.as_ref().is_none_or(|ids| ids.contains(id))).collect();
            if wanted.is_empty() {
                continue;
            }
            if change.operation == Operation::Deleted {
                for id in wanted {
                    // Only a record this user was shown: a deleted one cannot be re-read.
                    if live.visible.saw(&user, &m.api_name, id) {
                        yield Ok(FieldValue::owned_any(Event { operation: change.operation, id: id.clone(), record: None }));
                    }
                }
                continue;
            }
            match change.read_as(&crm, fields.clone()).await {
                Ok(found) => {
                    for id in wanted {
                        // Not found: not visible to this user (or gone since); they get nothing.
                        if let Some(record) = found.get(id.as_str()) {
                            live.visible.note(&user, &m.api_name, [id.as_str()]);
                            yield Ok(FieldValue::owned_any(Event {
                                operation: change.operation,
                                id: id.clone(),
                                record: Some(record.clone()),
                            }));
                        }
                    }
                }
                // The event still arrives, as an error the client can act on (e.g. sign in again).
                Err(e) => yield Err(Error::from((*e).clone())),
            }
        }
    })
}

fn string_list(ctx: &ResolverContext<'_>, name: &str) -> Result<Option<Vec<String>>, GatewayError> {
    let Some(value) = ctx.args.get(name) else { return Ok(None) };
    if value.is_null() {
        return Ok(None);
    }
    let list = value.list().map_err(|_| GatewayError::bad_input(Some(name), "Expected a list."))?;
    let mut out = Vec::with_capacity(list.len());
    for item in list.iter() {
        let text =
            item.string().or_else(|_| item.enum_name()).map_err(|_| GatewayError::bad_input(Some(name), "Expected strings."))?;
        out.push(text.to_owned());
    }
    Ok(Some(out))
}
