//! Response bodies: `ToSchema` types built with `From` the store's read models. Rows never reach here,
//! and amounts are exact decimal strings (`"575.75"`), never binary floating point.

pub mod api_key;
pub mod audit_event;
pub mod charge_kind;
pub mod compare;
pub mod facility;
pub mod import_job;
pub mod payer;
pub mod price;
pub mod source_file;
pub mod statistics;

/// A list body: a page of one view and where the list stands.
pub trait ListBody {
    type Item;
    fn new(items: Vec<Self::Item>, page: crate::pagination::PageInfo) -> Self;
}

/// Declares a list body: `items` of one view and the page info.
macro_rules! list_view {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub page: crate::pagination::PageInfo,
        }

        impl crate::views::ListBody for $name {
            type Item = $item;
            fn new(items: Vec<$item>, page: crate::pagination::PageInfo) -> Self {
                Self { items, page }
            }
        }
    };
}

pub(crate) use list_view;
