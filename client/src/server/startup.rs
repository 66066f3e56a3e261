//! The client as a service: the pages (each rendered with its data), the
//! built site's files, the JSON 404 for stray `/api/…` paths, each with the
//! security headers (`headers`), and, through
//! the shared shell, `/healthz`, `/readyz`, `/metrics`, request logs and
//! graceful shutdown.

use axum::{Router, routing::any, routing::get};
use common::{error::not_found, runtime::Service};
use http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

use super::{config::Settings, headers};
use crate::{
    api::ServerApi,
    app::{App, shell},
};

/// The client: [`Application::build`] gives it bound and ready to run, as the
/// same [`Service`] every other service is (its `port()`, then
/// `run_until_stopped(shutdown)`).
pub struct Application;

impl Application {
    /// Binds the port and assembles the app.
    pub async fn build(settings: Settings) -> anyhow::Result<Service> {
        Ok(Service::bind("client", settings.addr).await?.routes(router(&settings)?))
    }
}

/// Every route the client serves itself (the shell adds the ops routes and
/// answers other methods with the JSON 404).
pub fn router(settings: &Settings) -> anyhow::Result<Router> {
    let options = LeptosOptions::builder()
        .output_name("client")
        .site_root(settings.site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .build();
    let api = ServerApi::new(&settings.api_base_url, settings.api_routes.clone())?;
    let public = settings.public.clone();
    let context = move || {
        provide_context(api.clone());
        provide_context(public.clone());
    };
    let shell_options = options.clone();
    let render = move || {
        headers::set_page_policy();
        shell(shell_options.clone())
    };
    let routes = generate_route_list(App);

    // A path no page serves still gets the app (its `Page not found`, 404),
    // so the visitor keeps the header and hydration.
    let unknown_page = leptos_axum::render_app_async_with_context(context.clone(), render.clone());
    let site = &settings.site_dir;
    // The bundle's names carry no hash, so browsers must check them on every
    // load (a 304 when unchanged): a page and a stale bundle would not hydrate.
    let bundle = Router::new()
        .nest_service("/pkg", ServeDir::new(site.join("pkg")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, context, render)
        .merge(bundle)
        .route_service("/favicon.svg", ServeFile::new(site.join("favicon.svg")))
        // The whole API's description and its page (contract 3.6).
        .merge(super::api_docs::routes())
        // The gateway sends every other path here, so an unknown API path
        // must still answer like the API (contract 1).
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .route("/{*path}", get(unknown_page))
        .with_state(options);
    Ok(headers::every_answer(pages, settings.cookies_secure))
}
