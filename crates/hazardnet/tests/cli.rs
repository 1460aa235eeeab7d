//! The binary's subcommands, run as a user would: demo, audit verify (intact, then tampered
//! with behind its back), audit checkpoints, user management and jurisdiction import.

use std::process::{Command, Output};

fn hazardnet(db: &str, args: &[&str]) -> Output {
    // Evidence files go beside the database file, inside the test's temporary directory.
    let files = db.trim_start_matches("sqlite://").to_string() + ".files";
    Command::new(env!("CARGO_BIN_EXE_hazardnet"))
        .arg("--db")
        .arg(db)
        .arg("--data-dir")
        .arg(files)
        .args(args)
        .env("HAZARDNET_PASSWORD", "cli-password-1")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run hazardnet")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn audit_verify_names_the_first_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = hazardnet(&db, &["demo"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = hazardnet(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("intact"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let out = hazardnet(&db, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("broken at entry 7"), "{}", text(&out));
}

#[test]
fn audit_checkpoints_from_the_command_line_catch_a_log_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    assert!(hazardnet(&db, &["demo"]).status.success());
    let key = dir.path().join("audit.key");
    let key_arg = key.to_str().unwrap();
    let out = hazardnet(&db, &["audit", "keygen", "--out", key_arg]);
    assert!(out.status.success(), "{}", text(&out));
    let public = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        public.starts_with("ed25519:") && public.len() == 8 + 64,
        "{public}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(&key).unwrap();
    // An existing key is never replaced.
    let out = hazardnet(&db, &["audit", "keygen", "--out", key_arg]);
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(&key).unwrap(), secret);
    let out = hazardnet(&db, &["audit", "public-key", "--key", key_arg]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), public);

    let kept_outside = dir.path().join("outside.jsonl");
    let outside = kept_outside.to_str().unwrap();
    let out = hazardnet(
        &db,
        &["audit", "checkpoint", "--key", key_arg, "--out", outside],
    );
    assert!(out.status.success(), "{}", text(&out));
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let seq = line["seq"].as_i64().unwrap();
    assert!(seq > 10, "{line}");
    // The same line in the data directory's file, the --out file and the database's list.
    let in_data_dir =
        db.trim_start_matches("sqlite://").to_string() + ".files/audit-checkpoints.jsonl";
    for file in [in_data_dir.as_str(), outside] {
        let kept: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(file).unwrap().trim()).unwrap();
        assert_eq!(kept, line, "{file}");
    }
    let out = hazardnet(&db, &["audit", "checkpoints"]);
    let listed: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(listed, line);

    let verify = |key: &str| {
        hazardnet(
            &db,
            &[
                "audit",
                "verify",
                "--checkpoint",
                outside,
                "--public-key",
                key,
            ],
        )
    };
    let out = verify(&public);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("the chain extends it"),
        "{}",
        text(&out)
    );
    // The public key from a file does as well; a checkpoint needs a key to be checked.
    let public_file = dir.path().join("audit.pub");
    std::fs::write(&public_file, format!("{public}\n")).unwrap();
    assert!(verify(public_file.to_str().unwrap()).status.success());
    let out = hazardnet(&db, &["audit", "verify", "--checkpoint", outside]);
    assert!(!out.status.success());

    // Cut the last five entries off and move the head back: the chain alone still agrees
    // with itself, the checkpoint does not.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq > $1")
            .bind(seq - 5)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)",
        )
        .bind(seq - 5)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let out = hazardnet(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = verify(&public);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "the chain ends at entry {}, before the checkpoint's entry {seq}",
            seq - 5
        )),
        "{}",
        text(&out)
    );
    // Another key's public half does not vouch for it either.
    let other = dir.path().join("other.key");
    let out = hazardnet(&db, &["audit", "keygen", "--out", other.to_str().unwrap()]);
    let other_public = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = verify(&other_public);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("not among the public keys given"),
        "{}",
        text(&out)
    );

    // The server refuses to POST checkpoints it has no key to sign.
    let out = hazardnet(
        &db,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-url",
            "http://127.0.0.1:9/",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("needs --audit-key"), "{}", text(&out));
}

#[test]
fn users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    assert!(hazardnet(&db, &["demo"]).status.success());
    let out = hazardnet(
        &db,
        &[
            "user",
            "create",
            "grid-7",
            "--name",
            "网格员七",
            "--org",
            "公园街道办事处",
            "--role",
            "grid_supervisor",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = hazardnet(
        &db,
        &[
            "user",
            "create",
            "grid-8",
            "--name",
            "x",
            "--org",
            "公园街道办事处",
            "--role",
            "expert",
        ],
    );
    assert!(!out.status.success(), "a street office has no experts");
    let out = hazardnet(&db, &["user", "token", "grid-7"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .starts_with("hn_")
    );
    assert!(
        hazardnet(&db, &["user", "disable", "grid-7"])
            .status
            .success()
    );
    let out = hazardnet(&db, &["user", "list"]);
    assert!(
        text(&out).contains("grid-7\t网格员七\tgrid_supervisor\t公园街道办事处\tdisabled"),
        "{}",
        text(&out)
    );
    assert!(
        hazardnet(&db, &["user", "passwd", "grid-7"])
            .status
            .success()
    );
}

#[test]
fn an_office_assigns_an_expert_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    assert!(hazardnet(&db, &["demo"]).status.success());
    // Enterprise 7 is 铂涛精品酒店, the demo's seventh, in the district office's area.
    let assign = |cmd: &str, as_user: &str| {
        hazardnet(
            &db,
            &["user", cmd, "expert", "--enterprise", "7", "--as", as_user],
        )
    };
    let out = assign("assign", "district-office");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("assigned expert to enterprise 7"));
    let out = assign("unassign", "district-office");
    assert!(out.status.success(), "{}", text(&out));
    // An enterprise user assigns nobody; the chain holds both entries.
    assert!(!assign("assign", "enterprise").status.success());
    assert!(hazardnet(&db, &["audit", "verify"]).status.success());
}

#[test]
fn jurisdictions_import_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    assert!(hazardnet(&db, &["migrate"]).status.success());
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "代码,名称\n450203000000,鱼峰区\n450203001000,天马街道\n",
    )
    .unwrap();
    let out = hazardnet(&db, &["import", "jurisdictions", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 jurisdictions imported"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,name\n450204000000,柳南区\n45020500100,短代码\n450299001000,无上级\n",
    )
    .unwrap();
    let out = hazardnet(&db, &["import", "jurisdictions", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("row 3: invalid_jurisdiction_code") && said.contains("row 4: unknown_parent"),
        "{said}"
    );
    // Nothing of the bad file was kept, not even its good first row.
    let kept: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM jurisdictions WHERE code = '450204000000'")
            .fetch_one(&pool)
            .await
            .unwrap()
    });
    assert_eq!(kept, 0);
}

#[test]
fn a_fresh_installation_is_bootstrapped_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = hazardnet(&db, &["org", "create", "系统管理", "--kind", "system"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = hazardnet(
        &db,
        &[
            "user",
            "create",
            "root",
            "--name",
            "管理员",
            "--org",
            "系统管理",
            "--role",
            "admin",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = hazardnet(
        &db,
        &[
            "org",
            "create",
            "城中区住建局",
            "--kind",
            "industry_regulator",
            "--jurisdiction",
            "450202000000",
            "--industries",
            "47,48,49,50",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = hazardnet(
        &db,
        &["org", "create", "无区划办公室", "--kind", "street_office"],
    );
    assert!(
        !out.status.success(),
        "a street office needs a jurisdiction"
    );
    let out = hazardnet(&db, &["org", "list"]);
    assert!(
        text(&out).contains("城中区住建局\tindustry_regulator\t450202000000\t47,48,49,50"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_administrator_loads_a_standard_edition_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    assert!(hazardnet(&db, &["demo"]).status.success());
    let csv = dir.path().join("edition.csv");
    std::fs::write(
        &csv,
        "clause,text,major,category,industry,source\n\
         1,测试条目：安全出口被封堵,1,31,,测试判定标准（CLI-2026）1\n\
         2,测试条目：消防通道被占用,0,32,,测试判定标准（CLI-2026）2\n",
    )
    .unwrap();
    let path = csv.to_str().unwrap().to_string();
    let run = |user: &str| {
        let args = [
            "import",
            "standard",
            path.as_str(),
            "--name",
            "测试判定标准",
            "--key",
            "cli-test",
            "--edition",
            "CLI-2026",
            "--effective-on",
            "2026-01-01",
            "--as",
            user,
        ];
        hazardnet(&db, &args)
    };
    let out = run("street-office");
    assert!(
        !out.status.success(),
        "only the administrator loads editions"
    );
    let out = run("admin");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("2 items of CLI-2026 loaded"),
        "{}",
        text(&out)
    );
    let out = run("admin");
    assert!(!out.status.success(), "the same edition twice");
    let (edition, items): (String, i64) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        sqlx::query_as(
            "SELECT t.edition, (SELECT COUNT(*) FROM checklist_items i WHERE i.template_id = t.id) \
             FROM checklist_templates t WHERE t.standard_key = 'cli-test'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    });
    assert_eq!((edition.as_str(), items), ("CLI-2026", 2));
}
