//! A small XML scanner for what Catch2's XML reporter writes: element tags with their
//! attributes (in either quote, `>` allowed unescaped inside), the XML declaration, comments,
//! CDATA and `<!...>` declarations (skipped), and text between tags (skipped). Attribute
//! values have the entities `&lt; &gt; &amp; &quot; &apos;` and `&#...;` replaced. It checks
//! nothing a full parser would (namespaces, DTDs, encodings): enough for one reporter's output,
//! and every failure is an error with its line, never a panic.

/// An error at a line.
pub type Fail = (usize, String);

pub enum Kind {
    Open,
    Close,
    Empty,
}

pub struct Tag {
    pub name: String,
    pub kind: Kind,
    /// 1-based line of its `<`.
    pub line: usize,
    attrs: Vec<(String, String)>,
}

impl Tag {
    /// The decoded value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.0 == name)
            .map(|a| a.1.as_str())
    }
}

/// Tags in document order; text between them, comments and declarations are skipped.
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            line: 1,
        }
    }
}

impl Scanner<'_> {
    /// The next tag, `None` at the end of the text.
    pub fn next_tag(&mut self) -> Result<Option<Tag>, Fail> {
        loop {
            let Some(start) = self.text[self.pos..].find('<').map(|i| self.pos + i) else {
                return Ok(None);
            };
            self.advance(start);
            let rest = &self.text[start..];
            // (opening, its end): markup that is skipped whole.
            let skipped = [
                ("<?", "?>"),
                ("<!--", "-->"),
                ("<![CDATA[", "]]>"),
                ("<!", ">"),
            ]
            .into_iter()
            .find(|(open, _)| rest.starts_with(open));
            let Some((open, end)) = skipped else {
                return self.element(start).map(Some);
            };
            let Some(i) = rest[open.len()..].find(end) else {
                let m = format!("`{open}` is never closed (truncated output?)");
                return Err((self.line, m));
            };
            self.advance(start + open.len() + i + end.len());
        }
    }

    /// Moves to byte `to`, counting the lines passed.
    fn advance(&mut self, to: usize) {
        self.line += self.text[self.pos..to].matches('\n').count();
        self.pos = to;
    }

    /// The element tag at `start` (a `<`).
    fn element(&mut self, start: usize) -> Result<Tag, Fail> {
        let (text, line) = (self.text, self.line);
        let bytes = text.as_bytes();
        let close = bytes.get(start + 1) == Some(&b'/');
        let name_start = start + 1 + usize::from(close);
        let name = tag_name(text, name_start, line)?;
        let mut i = name_start + name.len();
        let mut attrs = Vec::new();
        loop {
            i = skip_space(bytes, i);
            // (the byte after the tag, its kind) once the tag ends here.
            let end = match bytes.get(i) {
                None => return Err(truncated(line)),
                Some(b'>') if close => Some((i + 1, Kind::Close)),
                Some(b'>') => Some((i + 1, Kind::Open)),
                Some(b'/') if bytes.get(i + 1) == Some(&b'>') && !close => {
                    Some((i + 2, Kind::Empty))
                }
                Some(_) if close => return Err((line, format!("`</{name}` has more than a name"))),
                Some(_) => None,
            };
            if let Some((after, kind)) = end {
                self.advance(after);
                let name = name.to_string();
                return Ok(Tag {
                    name,
                    kind,
                    line,
                    attrs,
                });
            }
            let (key, value, after) = attribute(text, i, name, line)?;
            attrs.push((key, value));
            i = after;
        }
    }
}

fn truncated(line: usize) -> Fail {
    (line, "a tag is cut off (truncated output?)".to_string())
}

/// The byte after the ASCII whitespace at `i`.
fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The name of the tag whose name starts at byte `at` (after `<` or `</`), checked.
fn tag_name(text: &str, at: usize, line: usize) -> Result<&str, Fail> {
    let end = text[at..]
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .map(|k| at + k)
        .ok_or_else(|| truncated(line))?;
    let name = &text[at..end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.:".contains(c))
    {
        return Err((line, format!("`<{name}` is not an XML tag")));
    }
    Ok(name)
}

/// The attribute `key="value"` at byte `i` of tag `name`: its key, its decoded value, and
/// the byte after its closing quote.
fn attribute(
    text: &str,
    i: usize,
    name: &str,
    line: usize,
) -> Result<(String, String, usize), Fail> {
    let eq = text[i..]
        .find('=')
        .map(|k| i + k)
        .ok_or_else(|| truncated(line))?;
    let key = text[i..eq].trim();
    if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '>' || c == '<') {
        return Err((line, format!("<{name}> has a malformed attribute")));
    }
    let open = skip_space(text.as_bytes(), eq + 1);
    let quote = match text.as_bytes().get(open) {
        Some(&q) if q == b'"' || q == b'\'' => q as char,
        None => return Err(truncated(line)),
        Some(_) => return Err((line, format!("<{name}> attribute `{key}` is not quoted"))),
    };
    let close = text[open + 1..]
        .find(quote)
        .map(|k| open + 1 + k)
        .ok_or_else(|| truncated(line))?;
    let value = decode(&text[open + 1..close]).ok_or_else(|| {
        (
            line,
            format!("<{name}> attribute `{key}` has an unknown entity"),
        )
    })?;
    Ok((key.to_string(), value, close + 1))
}

/// An attribute value with its entities replaced.
fn decode(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';')? + amp;
        let c = match &rest[amp + 1..semi] {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            e => {
                let code = match e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => e.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}
