//! The operations of a path item, whatever their method: what each pass over the generated document
//! (security, query handling, response headers) walks.

use utoipa::openapi::path::{Operation, PathItem};

/// Every operation `item` has.
pub fn of_item(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}
