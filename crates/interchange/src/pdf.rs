//! Documents as PDF, typeset by typst used as a library (`typst`, `typst-pdf`) in a small world
//! of our own: one template (`pdf.typ`, compiled into the program), the document's content as a
//! JSON file the template reads with `json(...)` — never pasted into markup, so nothing a user
//! typed is ever read as typst code — charts as SVG files beside it, and the fonts of a Debian
//! package read from disk (`fonts-wqy-microhei` by default), embedded (subset) in the PDF. No
//! package, no file outside this world and no network is ever reached.

use crate::docx::Paragraph;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

/// The font files looked for when none is configured: Debian's WenQuanYi Micro Hei and Noto
/// CJK (`fonts-wqy-microhei`, `fonts-noto-cjk`).
pub const DEFAULT_FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
];

const TEMPLATE: &str = include_str!("pdf.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no font with Chinese characters was found (looked for {0})")]
    NoFont(String),
    #[error("typesetting failed: {0}")]
    Typeset(String),
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Title {
        text: String,
    },
    Heading {
        text: String,
    },
    Text {
        text: String,
        centered: bool,
    },
    /// A table: its head and its rows of cells (as many as the head).
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A chart: the name of an SVG file given with the document.
    Chart {
        file: String,
    },
}

impl From<&Paragraph> for Block {
    fn from(p: &Paragraph) -> Block {
        if p.size >= 30 {
            Block::Title {
                text: p.text.clone(),
            }
        } else if p.bold {
            Block::Heading {
                text: p.text.clone(),
            }
        } else {
            Block::Text {
                text: p.text.clone(),
                centered: p.centered,
            }
        }
    }
}

/// The fonts documents are set in, read once from their files.
#[derive(Clone)]
pub struct Fonts {
    book: Arc<LazyHash<FontBook>>,
    fonts: Arc<Vec<Font>>,
    family: String,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fonts({}, {} faces)", self.family, self.fonts.len())
    }
}

impl Fonts {
    /// The fonts of the files that exist among `paths`; the first one with Chinese characters
    /// is the documents' font.
    pub fn load(paths: &[PathBuf]) -> Result<Fonts, PdfError> {
        let mut fonts = Vec::new();
        for p in paths {
            if let Ok(data) = std::fs::read(p) {
                fonts.extend(Font::iter(Bytes::new(data)));
            }
        }
        let family = fonts
            .iter()
            .find(|f| f.info().coverage.contains('中' as u32))
            .map(|f| f.info().family.clone())
            .ok_or_else(|| {
                PdfError::NoFont(
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })?;
        let book = FontBook::from_fonts(&fonts);
        Ok(Fonts {
            book: Arc::new(LazyHash::new(book)),
            fonts: Arc::new(fonts),
            family,
        })
    }

    /// The default font files (see [`DEFAULT_FONTS`]).
    pub fn system() -> Result<Fonts, PdfError> {
        let paths: Vec<PathBuf> = DEFAULT_FONTS.iter().map(PathBuf::from).collect();
        Fonts::load(&paths)
    }
}

/// The world one document is typeset in.
struct Doc {
    library: LazyHash<Library>,
    fonts: Fonts,
    main: Source,
    files: Vec<(String, Bytes)>,
}

impl World for Doc {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let path = id.vpath().as_rootless_path();
        self.files
            .iter()
            .find(|(name, _)| Path::new(name) == path)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(path.into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

/// A document as PDF: its title (the PDF's metadata), its blocks, and the SVG charts its
/// blocks name.
pub fn write(
    fonts: &Fonts,
    title: &str,
    blocks: &[Block],
    charts: &[(String, String)],
) -> Result<Vec<u8>, PdfError> {
    let data = serde_json::json!({
        "font": fonts.family,
        "title": title,
        "blocks": blocks,
    });
    let mut files = vec![(
        "data.json".to_string(),
        Bytes::new(serde_json::to_vec(&data).map_err(|e| PdfError::Typeset(e.to_string()))?),
    )];
    for (name, svg) in charts {
        files.push((name.clone(), Bytes::new(svg.clone().into_bytes())));
    }
    let main = Source::new(
        FileId::new(None, VirtualPath::new("/main.typ")),
        TEMPLATE.to_string(),
    );
    let world = Doc {
        library: LazyHash::new(Library::default()),
        fonts: fonts.clone(),
        main,
        files,
    };
    let doc: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        PdfError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        PdfError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_markup_is_printed_as_it_is() {
        let Ok(fonts) = Fonts::system() else {
            // The font package is installed by scripts/test; without it there is nothing to set.
            eprintln!("no system font: skipped");
            return;
        };
        let pdf = write(
            &fonts,
            "调解协议书",
            &[
                Block::Title {
                    text: "调解协议书".into(),
                },
                Block::Text {
                    text: "#panic(\"x\") *bold* $x$ #read(\"/etc/passwd\") ]".into(),
                    centered: false,
                },
                Block::Table {
                    head: vec!["项目".into(), "2021".into()],
                    rows: vec![vec!["排查户数".into(), "59,692".into()]],
                },
            ],
            &[],
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
