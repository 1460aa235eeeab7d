//! The OpenAPI document, assembled from the handlers' annotations.

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "hazardnet API", description = "隐患排查治理一张网 — JSON API. Errors are `{\"error\": {\"code\", \"message\"}}`; messages are Chinese unless `Accept-Language: en`. Lists answer `{\"items\", \"total\"}` with `page`/`per_page`."),
    paths(
        super::session::create_session, super::session::delete_session, super::session::me,
        super::enterprises::list, super::enterprises::create, super::enterprises::read,
        super::enterprises::update, super::enterprises::history, super::enterprises::export,
        super::enterprises::import,
        super::accounts::list_users, super::accounts::create_user, super::accounts::disable_user,
        super::accounts::enable_user, super::accounts::set_password, super::accounts::create_token,
        super::accounts::list_organizations, super::accounts::create_organization,
        super::accounts::list_experts, super::accounts::assign_expert, super::accounts::end_expert_assignment,
        super::accounts::set_enforcement_delegation,
        super::reference::list_jurisdictions, super::reference::add_local_jurisdiction, super::reference::read_jurisdiction,
        super::reference::list_industries,
        super::hazards::list, super::hazards::create, super::hazards::read, super::hazards::correct, super::hazards::transition,
        super::hazards::list_evidence, super::hazards::upload_evidence, super::hazards::download_evidence,
        super::hazards::list_for_supervision, super::hazards::listings, super::hazards::history, super::hazards::dashboard,
        super::hazards::export, super::inbox::list, super::inbox::mark_read, super::hazards::import, super::hazards::assign_leader,
        super::campaigns::list, super::campaigns::create, super::campaigns::read, super::campaigns::tasks,
        super::campaigns::add_tasks, super::campaigns::preview_notice, super::campaigns::preview_sheet,
        super::campaigns::task_reports, super::campaigns::file_report, super::campaigns::returns,
        super::campaigns::read_return, super::campaigns::replace_return, super::campaigns::correct,
        super::campaigns::correct_task, super::campaigns::unit_aliases, super::campaigns::save_unit_alias,
        super::campaigns::dispatch,
        super::campaigns::dispatch_xlsx, super::campaigns::bulletin_docx, super::campaigns::bulletin_pdf, super::campaigns::attach_to_report, super::campaigns::download_attachment,
        super::inspections::list_checklists, super::inspections::read_checklist, super::inspections::import_checklist,
        super::inspections::import_standard_edition, super::inspections::list_all_items,
        super::inspections::export_checklist, super::inspections::list, super::inspections::open, super::inspections::read,
        super::inspections::save_results, super::inspections::sign_off, super::inspections::record_pdf,
        super::inspections::record_docx, super::inspections::notice_pdf, super::inspections::notice_docx,
        super::inspections::export, super::inspections::list_plans, super::inspections::create_plan,
        super::inspections::plan_candidates, super::inspections::plan_coverage,
        super::inspections::upload_photo, super::inspections::download_photo, super::enforcement::list, super::enforcement::record, super::enforcement::stats,
        super::enforcement::enterprise_flags, super::enforcement::workload, super::enforcement::export,
        super::accidents::list, super::accidents::record,
    ),
    // Types that appear only inside query parameters, which utoipa refers to but does not
    // collect: without them the document has dangling `$ref`s.
    components(schemas(
        hazardnet_store::EnterpriseSort,
        hazardnet_store::HazardSort,
        hazardnet_domain::hazard::HazardStep
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("hn_session"))),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
