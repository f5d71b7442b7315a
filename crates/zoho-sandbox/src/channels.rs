//! The org's notification channels (§10): what `/crm/v8/actions/watch` enables, lists, updates and
//! disables, held per channel id and module, the way Zoho lists them (one entry per "resource"),
//! with their expiry; and which live channels a record change reaches. No HTTP here:
//! `crm/watch.rs` reads requests and writes answers, `notify.rs` sends the callbacks.
//!
//! Channels belong to the org, not to the user who enabled them: any user of the org with the
//! notifications scope lists, updates and disables every channel (§10 "per org and channel").

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// A record operation as channel events name it (`Leads.create`, `.edit`, `.delete`; `.all` is
/// the three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Operation {
    Create,
    Edit,
    Delete,
}

impl Operation {
    pub const ALL: [Operation; 3] = [Operation::Create, Operation::Edit, Operation::Delete];

    /// The event suffix (`create`, `edit`, `delete`).
    pub fn event(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Edit => "edit",
            Operation::Delete => "delete",
        }
    }

    /// The callback's `operation` (§10: `insert`, `update`, `delete`).
    pub fn callback(self) -> &'static str {
        match self {
            Operation::Create => "insert",
            Operation::Edit => "update",
            Operation::Delete => "delete",
        }
    }

    /// The operations an event suffix names; `None` for anything else. Lower case only, as every
    /// example in Zoho's docs writes them (UNCONFIRMED whether Zoho also takes `Leads.Create`).
    pub fn parse_event(suffix: &str) -> Option<&'static [Operation]> {
        match suffix {
            "create" => Some(&[Operation::Create]),
            "edit" => Some(&[Operation::Edit]),
            "delete" => Some(&[Operation::Delete]),
            "all" => Some(&Operation::ALL),
            _ => None,
        }
    }
}

/// One channel's subscription to one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    /// The client's own number (§10: a long).
    pub channel_id: u64,
    /// The module's API name.
    pub module: String,
    pub operations: BTreeSet<Operation>,
    pub notify_url: String,
    /// Echoed in every callback so the receiver can tell the callback came from Zoho (§10).
    pub token: Option<String>,
    /// Whole seconds, exactly what the answers show as `channel_expiry`.
    pub expires: DateTime<Utc>,
    /// Kept and listed; the sandbox has no related records (notes, attachments), so it changes
    /// which callbacks are sent in no case.
    pub notify_on_related_action: bool,
    /// Callbacks then also carry the changed values.
    pub return_affected_field_values: bool,
    /// The data centre whose API domain enabled it: `resource_uri` names that domain.
    pub dc: usize,
}

impl Subscription {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires > now
    }

    /// `Leads.create`, `Leads.edit`, `Leads.delete`: Zoho lists a channel enabled with
    /// `Leads.all` with the three operations spelled out (the list sample in §10's sources).
    pub fn events(&self) -> Vec<String> {
        self.operations.iter().map(|op| format!("{}.{}", self.module, op.event())).collect()
    }
}

/// Every channel subscription of the org, by (channel id, module). Expired ones are dropped
/// whenever the registry is read: an expired channel neither lists nor receives callbacks.
#[derive(Debug, Default)]
pub(crate) struct Channels {
    subscriptions: BTreeMap<(u64, String), Subscription>,
}

impl Channels {
    fn purge(&mut self, now: DateTime<Utc>) {
        self.subscriptions.retain(|_, s| s.is_live(now));
    }

    /// Live subscriptions in (channel id, module) order.
    pub fn live(&mut self, now: DateTime<Utc>) -> Vec<&Subscription> {
        self.purge(now);
        self.subscriptions.values().collect()
    }

    /// The live subscriptions of one channel, in module order.
    pub fn of_channel(&mut self, channel_id: u64, now: DateTime<Utc>) -> Vec<&Subscription> {
        self.purge(now);
        self.subscriptions
            .range((channel_id, String::new())..)
            .take_while(|((id, _), _)| *id == channel_id)
            .map(|(_, s)| s)
            .collect()
    }

    pub fn get_mut(&mut self, channel_id: u64, module: &str) -> Option<&mut Subscription> {
        self.subscriptions.get_mut(&(channel_id, module.to_string()))
    }

    /// Adds a subscription, replacing the channel's earlier one for the same module (re-enabling
    /// renews, §10; UNCONFIRMED whether Zoho replaces or merges the events).
    pub fn put(&mut self, subscription: Subscription) {
        self.subscriptions.insert((subscription.channel_id, subscription.module.clone()), subscription);
    }

    /// Removes one of the channel's subscriptions.
    pub fn remove(&mut self, channel_id: u64, module: &str) -> Option<Subscription> {
        self.subscriptions.remove(&(channel_id, module.to_string()))
    }

    /// Removes every subscription of a channel (live ones are returned, in module order).
    pub fn remove_channel(&mut self, channel_id: u64, now: DateTime<Utc>) -> Vec<Subscription> {
        self.purge(now);
        let modules: Vec<String> = self.of_channel(channel_id, now).iter().map(|s| s.module.clone()).collect();
        modules.iter().filter_map(|module| self.remove(channel_id, module)).collect()
    }

    /// The live subscriptions a change of `module` by `operation` reaches, one per channel.
    pub fn reaching(&mut self, module: &str, operation: Operation, now: DateTime<Utc>) -> Vec<Subscription> {
        self.purge(now);
        self.subscriptions.values().filter(|s| s.module == module && s.operations.contains(&operation)).cloned().collect()
    }
}

/// `now + duration` in whole seconds, saturating far in the future.
pub(crate) fn expiry_after(now: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    let at = TimeDelta::from_std(duration).ok().and_then(|d| now.checked_add_signed(d)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    whole_seconds(at)
}

/// Drops the sub-second part, so that what a channel enforces is what its answer shows.
pub(crate) fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}
