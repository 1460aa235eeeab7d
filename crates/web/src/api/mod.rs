//! The JSON API under `/api/v1`. Each resource is a module with its own routes; all are
//! described by the OpenAPI document served at `/api/v1/openapi.json`.

pub mod accidents;
mod accounts;
pub mod campaigns;
pub mod enforcement;
mod enterprises;
mod hazards;
mod inbox;
pub mod inspections;
mod openapi;
mod reference;
mod session;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub use enterprises::{ImportResult, import_sheet, upload_bytes, xlsx_response};
pub use hazards::{import_ledger, upload_part, upload_part_from};
pub use openapi::ApiDoc;
pub use session::attempt_login as session_login;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(enterprises::router())
        .merge(hazards::router())
        .merge(campaigns::router())
        .merge(inspections::router())
        .merge(enforcement::router())
        .merge(accidents::router())
        .merge(inbox::router())
        .merge(accounts::router())
        .merge(reference::router())
        .merge(openapi::router())
}

/// The answer to a POST that made a record: its id.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// `axum::Json` whose refusals speak our error format: malformed JSON is a 400, a body of the
/// wrong shape (unknown field, wrong type) a 422, a missing content type a 400.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Unprocessable {
                code: "invalid_body",
                detail: e.body_text(),
            }),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::BadRequest {
                code: "malformed_json",
                detail: e.body_text(),
            }),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::BadRequest {
                code: "json_content_type",
                detail: String::new(),
            }),
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::TooLarge),
            Err(other) => Err(ApiError::BadRequest {
                code: "malformed_json",
                detail: other.body_text(),
            }),
        }
    }
}

/// `axum::extract::Query` with our error format.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| ApiError::BadRequest {
                code: "invalid_query",
                detail: e.body_text(),
            })
    }
}

/// An unreadable sheet as an error (a missing column is named). Every kind is a 422 whose code
/// has its message in the locales; the limits a sheet broke are named there.
pub fn sheet_error(e: crate::sheets::SheetError) -> ApiError {
    use crate::sheets::SheetError;
    ApiError::Unprocessable {
        code: e.code(),
        detail: match e {
            SheetError::MissingColumn(c) => c.to_string(),
            SheetError::NotASheet
            | SheetError::TooLarge
            | SheetError::Unsafe
            | SheetError::Empty
            | SheetError::TooManyRows
            | SheetError::TooManyColumns
            | SheetError::TooMuchData => String::new(),
        },
    }
}

/// Merges what an import's checks refused with the cells the sheet could not say: one reason
/// per row (an unreadable row is reported for that, not for the blanks left), in row order.
/// Ok when no row is refused.
pub fn refuse_rows<T>(
    checked: Result<T, hazardnet_store::StoreError>,
    cell_errors: Vec<hazardnet_store::RowError>,
) -> Result<(), ApiError> {
    let mut errors = match checked {
        Ok(_) => Vec::new(),
        Err(hazardnet_store::StoreError::Rows(rows)) => rows,
        Err(other) => return Err(other.into()),
    };
    let unreadable: std::collections::HashSet<usize> = cell_errors.iter().map(|e| e.row).collect();
    errors.retain(|r| !unreadable.contains(&r.row));
    errors.extend(cell_errors);
    errors.sort_by_key(|r| r.row);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(hazardnet_store::StoreError::Rows(errors).into())
    }
}
