//! HEAD on every GET route: load balancers and uptime monitors probe with HEAD. The request is
//! answered as its GET; the HTTP layer remembers that the request was a HEAD and sends the headers
//! alone, `Content-Length` included, so the two answers cannot differ.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

pub async fn head_as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    next.call(request).await
}
