//! Hostile CSV uploads: the same limits as workbooks, enforced while the text is split.

use crate::measure::{serial, within_limits};
use hazardnet_web::sheets::{MAX_COLUMNS, MAX_ROWS, SheetError, read_rows};

fn read(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    within_limits(name, || read_rows(bytes))
}

#[test]
fn a_record_of_millions_of_fields_is_refused_before_it_is_built() {
    let _serial = serial();
    let commas = vec![b','; 10_000_000];
    assert_eq!(
        read("10 MB of commas", &commas),
        Err(SheetError::TooManyColumns)
    );
    let wide = format!("{}\n", vec!["a"; MAX_COLUMNS + 1].join(","));
    assert_eq!(
        read("257 fields", wide.as_bytes()),
        Err(SheetError::TooManyColumns)
    );
    let widest = format!("{}\n", vec!["a"; MAX_COLUMNS].join(","));
    assert_eq!(
        read("256 fields", widest.as_bytes()).unwrap()[0].len(),
        MAX_COLUMNS
    );
}

#[test]
fn rows_and_cells_are_counted() {
    let _serial = serial();
    let rows = "a\n".repeat(MAX_ROWS + 2);
    assert_eq!(
        read("100,002 rows", rows.as_bytes()),
        Err(SheetError::TooManyRows)
    );
    let row = format!("{}\n", vec!["a"; 200].join(","));
    let cells = row.repeat(25_000);
    assert!(cells.len() <= hazardnet_web::sheets::MAX_UPLOAD_BYTES);
    assert_eq!(
        read("5,000,000 fields", cells.as_bytes()),
        Err(SheetError::TooMuchData)
    );
}

#[test]
fn harmless_oddities_are_read() {
    let _serial = serial();
    let mut open_quote = b"name\n\"".to_vec();
    open_quote.extend(std::iter::repeat_n(b'x', 9_000_000));
    let rows = read("an unterminated 9 MB field", &open_quote).unwrap();
    assert_eq!((rows.len(), rows[1][0].len()), (2, 9_000_000));
    let newlines = vec![b'\n'; 10_000_000];
    assert_eq!(read("10 MB of newlines", &newlines), Err(SheetError::Empty));
    let quoted = "\u{feff}a,\"b,\"\"c\"\"\nd\"\r\n , e \n";
    assert_eq!(
        read("quotes and line endings", quoted.as_bytes()).unwrap(),
        [vec!["a", "b,\"c\"\nd"], vec!["", "e"]]
    );
    assert_eq!(read("a NUL", b"a,\0\n"), Err(SheetError::NotASheet));
    assert_eq!(read("not UTF-8", b"a,\xff\n"), Err(SheetError::NotASheet));
}
