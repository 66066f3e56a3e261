//! Payload structs, one per subject, named in the past tense.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Event;
use crate::{id::ObjectId, money::Cents, timestamp::Timestamp};

/// `ticket.created`: a seller listed a ticket (version 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketCreated {
    /// The ticket's id.
    pub id: ObjectId,
    /// Always 0.
    pub version: i64,
    /// Trimmed title.
    pub title: String,
    /// Price in dollars on the wire.
    pub price: Cents,
    /// The seller.
    pub user_id: ObjectId,
}

impl Event for TicketCreated {
    const SUBJECT: &'static str = "ticket.created";
    fn message_id(&self) -> String {
        format!("{}:{}:{}", Self::SUBJECT, self.id, self.version)
    }
}

/// `ticket.updated`: edited, reserved or released; `version` is the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketUpdated {
    /// The ticket's id.
    pub id: ObjectId,
    /// The ticket's new version.
    pub version: i64,
    /// Current title.
    pub title: String,
    /// Current price.
    pub price: Cents,
    /// The seller.
    pub user_id: ObjectId,
    /// Present exactly while the ticket is reserved (and for good once sold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<ObjectId>,
    /// (added) `available`, `reserved` or `sold`; absent in events written
    /// before tickets kept it, where [`TicketUpdated::status`] reads it from `orderId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
}

impl TicketUpdated {
    /// The status this version has, read from `orderId` when the event predates it.
    pub fn status(&self) -> TicketStatus {
        self.status.unwrap_or(if self.order_id.is_some() { TicketStatus::Reserved } else { TicketStatus::Available })
    }
}

/// Where a ticket stands (added): free to buy, held by an open order, or paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    /// No order holds it.
    Available,
    /// An open order holds it.
    Reserved,
    /// Its order was paid.
    Sold,
}

impl TicketStatus {
    /// The wire spelling, e.g. `sold`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Reserved => "reserved",
            Self::Sold => "sold",
        }
    }
}

impl Event for TicketUpdated {
    const SUBJECT: &'static str = "ticket.updated";
    fn message_id(&self) -> String {
        format!("{}:{}:{}", Self::SUBJECT, self.id, self.version)
    }
}

/// An order's lifecycle state, as the original spelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum OrderStatus {
    /// Reserved, waiting for payment.
    #[serde(rename = "created")]
    Created,
    /// Never entered (as in the original) but counts as open.
    #[serde(rename = "awaiting:payment")]
    AwaitingPayment,
    /// Cancelled by the buyer or by expiry.
    #[serde(rename = "cancelled")]
    Cancelled,
    /// Paid.
    #[serde(rename = "complete")]
    Complete,
}

impl OrderStatus {
    /// Open orders hold their ticket and can still be paid or cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Created | Self::AwaitingPayment)
    }

    /// The wire spelling, e.g. `awaiting:payment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::AwaitingPayment => "awaiting:payment",
            Self::Cancelled => "cancelled",
            Self::Complete => "complete",
        }
    }

    /// The statuses that keep a ticket taken: open ones and `complete`.
    pub const HOLDING_TICKET: [&'static str; 3] = ["created", "awaiting:payment", "complete"];
}

/// The ticket as embedded in `order.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderTicketSnapshot {
    /// The ticket's id.
    pub id: ObjectId,
    /// What the buyer will be charged.
    pub price: Cents,
}

/// `order.created`: a buyer reserved a ticket (version 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    /// The order's id.
    pub id: ObjectId,
    /// Always 0.
    pub version: i64,
    /// Always `created`.
    pub status: OrderStatus,
    /// The buyer.
    pub user_id: ObjectId,
    /// When the reservation lapses.
    pub expires_at: Timestamp,
    /// The reserved ticket and its price.
    pub ticket: OrderTicketSnapshot,
}

impl Event for OrderCreated {
    const SUBJECT: &'static str = "order.created";
    fn message_id(&self) -> String {
        format!("{}:{}:{}", Self::SUBJECT, self.id, self.version)
    }
}

/// The ticket as referenced by `order.cancelled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderTicketRef {
    /// The ticket's id.
    pub id: ObjectId,
}

/// `order.cancelled`: cancelled by the buyer or by expiry (version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderCancelled {
    /// The order's id.
    pub id: ObjectId,
    /// Always 1.
    pub version: i64,
    /// The ticket to release.
    pub ticket: OrderTicketRef,
}

impl Event for OrderCancelled {
    const SUBJECT: &'static str = "order.cancelled";
    fn message_id(&self) -> String {
        format!("{}:{}:{}", Self::SUBJECT, self.id, self.version)
    }
}

/// `expiration.complete`: an order's reservation window has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExpirationComplete {
    /// The expired order.
    pub order_id: ObjectId,
}

impl Event for ExpirationComplete {
    const SUBJECT: &'static str = "expiration.complete";
    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.order_id)
    }
}

/// `payment.created`: an order was charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCreated {
    /// The payment's id.
    pub id: ObjectId,
    /// The paid order.
    pub order_id: ObjectId,
    /// Stripe's charge or payment intent id.
    pub stripe_id: String,
}

impl Event for PaymentCreated {
    const SUBJECT: &'static str = "payment.created";
    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.id)
    }
}

/// `payment.refunded` (added): a charge was refunded in full because its
/// order cannot be delivered (cancelled, or already paid by another charge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    /// The refund's id in payments.
    pub id: ObjectId,
    /// The order the charge was for.
    pub order_id: ObjectId,
    /// The refunded charge (`ch_…`).
    pub stripe_id: String,
    /// Stripe's refund (`re_…`); absent when Stripe said it was refunded already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// What was given back.
    pub amount: Cents,
}

impl Event for PaymentRefunded {
    const SUBJECT: &'static str = "payment.refunded";
    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.id)
    }
}
