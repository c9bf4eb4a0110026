//! The front door of the SDK's own server: what each request on a connection is handed to.
//!
//! A delivery (`POST /webhooks/{event}` or `POST /v/{version}/webhooks/{event}`) goes straight
//! to the pipeline; every other request goes through the axum router, which answers it exactly
//! as it would answer it nested in an application of your own ([`super::Extension::into_router`]).
//!
//! The router answers deliveries too, and identically (it calls the same pipeline); the front
//! door only skips its work: matching the path, storing the path parameters, and allocating a
//! fresh box for the delivery's future on every request. Here the future lives in the slot
//! hyper keeps for each connection's request in flight, memory that stays in the cache from
//! one request to the next. With a tower layer set ([`super::Extension::layer`]), every request
//! goes through the router, so the layer sees each one.

use crate::delivery::{DeliveryError, Pipeline, Target};
use axum::body::Body;
use axum::http::{Method, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::future::Either;
use futures_util::FutureExt;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use tower_service::Service;

/// Routes a server's requests: deliveries to the pipeline (when no layer must see them),
/// everything else to the router.
pub(crate) struct Front {
    /// The pipeline, when deliveries may skip the router.
    deliveries: Option<Arc<Pipeline>>,
    router: axum::Router,
}

impl Front {
    /// Deliveries to `deliveries` when given (no layer is set), everything else (or, without
    /// `deliveries`, everything) to `router`.
    pub(crate) fn new(router: axum::Router, deliveries: Option<Arc<Pipeline>>) -> Self {
        Self { deliveries, router }
    }

    /// Answers one request. No future wraps the pipeline's or the router's: each is returned
    /// as it is, so the request is not held twice while it is answered.
    pub(crate) fn answer<B>(&self, request: Request<B>) -> impl Future<Output = Result<Response, Infallible>> + use<B>
    where
        B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let request = request.map(Body::new);
        if let Some(pipeline) = &self.deliveries
            && request.method() == Method::POST
            && let Some(target) = Target::parse(request.uri().path())
        {
            return Either::Left(deliver(pipeline.clone(), target, request).map(Ok));
        }
        // The router is always ready (its `poll_ready` answers `Ready` at once).
        Either::Right(self.router.clone().call(request))
    }
}

/// A request to one of the delivery routes, answered: `target` is what its path names
/// ([`Target::parse`]). The routes' handler and the front door both answer with this.
pub(crate) fn deliver(
    pipeline: Arc<Pipeline>,
    target: Result<Target, DeliveryError>,
    request: Request<Body>,
) -> impl Future<Output = Response> {
    match target {
        Ok(target) => Either::Left(pipeline.deliver(target, request)),
        Err(error) => Either::Right(std::future::ready(error.into_response())),
    }
}

#[cfg(test)]
mod tests {
    use super::Front;
    use crate::config::Config;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use std::sync::Arc;

    #[tokio::test]
    async fn deliveries_skip_the_router_only_when_given_the_pipeline() {
        let config = Config::builder().webhook_secret("whsec_test").build().expect("a valid configuration");
        let pipeline = Arc::new(super::super::assemble::pipeline(crate::routing::Router::new(), &config));
        // A router that answers deliveries its own way, to tell who answered.
        let teapot = axum::Router::new()
            .route("/webhooks/{event}", axum::routing::post(|| async { StatusCode::IM_A_TEAPOT }))
            .route("/health", axum::routing::get(|| async { StatusCode::IM_A_TEAPOT }));
        let post = || Request::post("/webhooks/issue.created").body(Body::empty()).expect("a request");
        let front = Front::new(teapot.clone(), Some(pipeline));
        let delivered = front.answer(post()).await.expect("infallible");
        assert_eq!(delivered.status(), StatusCode::UNAUTHORIZED, "the pipeline answered: nothing is signed");
        let health = front.answer(Request::get("/health").body(Body::empty()).expect("a request")).await;
        assert_eq!(health.expect("infallible").status(), StatusCode::IM_A_TEAPOT, "the rest goes to the router");
        let routed = Front::new(teapot, None).answer(post()).await.expect("infallible");
        assert_eq!(routed.status(), StatusCode::IM_A_TEAPOT, "without the pipeline the router answers deliveries");
    }
}
