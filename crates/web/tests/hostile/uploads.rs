//! Hostile evidence uploads through the checks every photo and document passes before it is
//! stored: images are sized from their headers (never decoded) and refused past the pixel
//! limit or when their header does not say; documents are stored as bytes, never opened, so a
//! DOCX zip bomb or a PDF of absurd objects costs the server nothing to accept.

use crate::books::zip_parts;
use crate::measure::{serial, within_limits};
use hazardnet_store::{MAX_PIXELS, check_upload};
use zip::CompressionMethod;

fn check(name: &str, file_name: &str, bytes: &[u8]) -> Result<&'static str, &'static str> {
    within_limits(name, || check_upload(file_name, bytes))
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&width.to_be_bytes());
    png.extend_from_slice(&height.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png
}

fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    jpeg.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    jpeg.extend_from_slice(&height.to_be_bytes());
    jpeg.extend_from_slice(&width.to_be_bytes());
    jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    jpeg
}

fn webp(chunk: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&(12 + payload.len() as u32).to_le_bytes());
    webp.extend_from_slice(b"WEBP");
    webp.extend_from_slice(chunk);
    webp.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    webp.extend_from_slice(payload);
    webp
}

/// Pads an image to nearly the upload limit, as a real flood would arrive.
fn padded(mut image: Vec<u8>) -> Vec<u8> {
    image.resize(9 * 1024 * 1024, 0);
    image
}

#[test]
fn pixel_floods_are_refused_from_their_headers() {
    let _serial = serial();
    let floods = [
        ("PNG 100,000²", "flood.png", png(100_000, 100_000)),
        ("PNG 2^31²", "flood.png", png(0x7FFF_FFFF, 0x7FFF_FFFF)),
        ("JPEG 65,535²", "flood.jpg", jpeg(65_535, 65_535)),
        (
            "WebP VP8 16,383²",
            "flood.webp",
            webp(
                b"VP8 ",
                &[0x30, 1, 0, 0x9D, 1, 0x2A, 0xFF, 0x3F, 0xFF, 0x3F, 0, 0],
            ),
        ),
        (
            "WebP VP8L 16,384²",
            "flood.webp",
            webp(b"VP8L", &[0x2F, 0xFF, 0xFF, 0xFF, 0x0F, 0, 0, 0]),
        ),
        (
            "WebP VP8X 2^24²",
            "flood.webp",
            webp(
                b"VP8X",
                &[0x10, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            ),
        ),
    ];
    for (name, file_name, bytes) in floods {
        assert_eq!(
            check(name, file_name, &padded(bytes)),
            Err("file_pixels"),
            "{name}"
        );
    }
    // Just under the limit is a photo.
    let side = (MAX_PIXELS as f64).sqrt() as u32 - 1;
    assert_eq!(
        check("PNG under the limit", "ok.png", &png(side, side)),
        Ok("image/png")
    );
}

#[test]
fn images_whose_headers_do_not_say_their_size_are_refused() {
    let _serial = serial();
    let truncated = [
        ("PNG cut in its header", "a.png", png(10, 10)[..18].to_vec()),
        (
            "JPEG cut before its frame",
            "a.jpg",
            jpeg(10, 10)[..22].to_vec(),
        ),
        (
            "WebP VP8X cut",
            "a.webp",
            webp(b"VP8X", &[0x10, 0, 0, 0, 9]),
        ),
        (
            "WebP with an unknown chunk",
            "a.webp",
            webp(b"VP8?", &[0; 16]),
        ),
        ("JPEG of only markers", "a.jpg", {
            let mut j = vec![0xFF, 0xD8];
            while j.len() < 9 * 1024 * 1024 {
                j.extend_from_slice(&[0xFF, 0xE1, 0, 2]);
            }
            j
        }),
        (
            "JPEG with a length pointing backwards",
            "a.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 0, 0, 0],
        ),
    ];
    for (name, file_name, bytes) in truncated {
        assert_eq!(check(name, file_name, &bytes), Err("file_type"), "{name}");
    }
}

#[test]
fn types_must_match_their_names() {
    let _serial = serial();
    let gif = b"GIF89a\xff\xff\xff\xff\0\0\0;".to_vec();
    let cases: [(&str, &str, Vec<u8>); 5] = [
        ("GIF as itself", "a.gif", gif.clone()),
        ("GIF named PNG", "a.png", gif),
        ("PNG named JPEG", "a.jpg", png(1, 1)),
        ("JPEG named WebP", "a.webp", jpeg(1, 1)),
        ("executable named PDF", "a.pdf", b"MZ\x90\0".to_vec()),
    ];
    for (name, file_name, bytes) in cases {
        assert_eq!(check(name, file_name, &bytes), Err("file_type"), "{name}");
    }
    assert_eq!(
        check("too large", "a.pdf", &vec![b'%'; 10 * 1024 * 1024 + 1]),
        Err("file_too_large")
    );
}

#[test]
fn documents_are_stored_unopened() {
    let _serial = serial();
    // A DOCX that would inflate to 1 GB: accepted as bytes without inflating anything.
    let zeros = vec![0u8; 256 << 20];
    let names = [
        "word/document.xml",
        "word/media/1.bin",
        "word/media/2.bin",
        "word/media/3.bin",
    ];
    let bomb = zip_parts(
        names.map(|n| (n, zeros.as_slice())),
        CompressionMethod::Deflated,
    );
    drop(zeros);
    assert!(bomb.len() < 10 << 20, "{}", bomb.len());
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    assert_eq!(check("DOCX zip bomb", "bomb.docx", &bomb), Ok(docx));
    let escaping = zip_parts([("../../etc/passwd", &b"x"[..])], CompressionMethod::Stored);
    assert_eq!(
        check("DOCX with ../ entries", "a.docx", &escaping),
        Ok(docx)
    );
    let mut pdf = b"%PDF-1.7\n1 0 obj << /Length 99999999999 /Type /XObject /Width 4294967295 /Height 4294967295 >> stream\n".to_vec();
    pdf.resize(9 << 20, b'A');
    assert_eq!(
        check("PDF declaring huge objects", "a.pdf", &pdf),
        Ok("application/pdf")
    );
}
