//! A plain Word document (DOCX, Office Open XML): paragraphs of text, some centred or bold, in a
//! CJK-capable font named for both scripts, on A4 with 2.5 cm margins. Enough for a document an
//! office prints and keeps, such as a mediation agreement; read back by [`text_of`] for tests.

use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;

/// One paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph {
    pub text: String,
    pub bold: bool,
    pub centered: bool,
    /// Half-points (24 = 12 pt); 0: the default.
    pub size: u32,
}

impl Paragraph {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Default::default()
        }
    }
    pub fn title(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
            centered: true,
            size: 36,
        }
    }
    pub fn heading(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
            ..Default::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 does not allow are left out.
            c if (c as u32) < 0x20 && !matches!(c, '\t') => {}
            c => out.push(c),
        }
    }
    out
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// The document's bytes.
pub fn write(paragraphs: &[Paragraph]) -> Result<Vec<u8>, DocxError> {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str("<w:p><w:pPr>");
        if p.centered {
            body.push_str(r#"<w:jc w:val="center"/>"#);
        }
        body.push_str(r#"<w:spacing w:after="120"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="SimSun" w:hAnsi="SimSun" w:eastAsia="SimSun"/>"#);
        if p.bold {
            body.push_str("<w:b/>");
        }
        let size = if p.size == 0 { 24 } else { p.size };
        body.push_str(&format!(
            r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/><w:lang w:eastAsia="zh-CN"/></w:rPr>"#
        ));
        body.push_str(&format!(
            r#"<w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
            escape(&p.text)
        ));
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1418" w:right="1418" w:bottom="1418" w:left="1418" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/document.xml", document.as_str()),
    ] {
        out.start_file(name, opts)?;
        out.write_all(content.as_bytes())?;
    }
    Ok(out.finish()?.into_inner())
}

/// The text of a document's paragraphs, one a line (for checks and tests).
pub fn text_of(docx: &[u8]) -> Result<String, DocxError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx))?;
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")?
        .read_to_string(&mut xml)?;
    let mut out = String::new();
    for para in xml.split("</w:p>") {
        let mut line = String::new();
        for piece in para.split("<w:t").skip(1) {
            if let Some((_, rest)) = piece.split_once('>')
                && let Some((text, _)) = rest.split_once("</w:t>")
            {
                line.push_str(
                    &text
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&amp;", "&"),
                );
            }
        }
        if para.contains("<w:p>") || para.contains("<w:p ") {
            out.push_str(&line);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_come_back_as_written() {
        let doc = write(&[
            Paragraph::title("调解协议书"),
            Paragraph::new("甲方：王某 <母亲> & \"乙方\""),
            Paragraph::heading("协议内容"),
        ])
        .unwrap_or_default();
        assert_eq!(&doc[..2], b"PK");
        let text = text_of(&doc).unwrap_or_default();
        assert_eq!(text, "调解协议书\n甲方：王某 <母亲> & \"乙方\"\n协议内容\n");
    }
}
