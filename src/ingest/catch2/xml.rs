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
        let line = self.line;
        let truncated = || (line, "a tag is cut off (truncated output?)".to_string());
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        let close = bytes.get(i) == Some(&b'/');
        if close {
            i += 1;
        }
        let name_end = self.text[i..]
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .map(|k| i + k)
            .ok_or_else(truncated)?;
        let name = &self.text[i..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "_-.:".contains(c))
        {
            return Err((line, format!("`<{name}` is not an XML tag")));
        }
        i = name_end;
        let mut attrs = Vec::new();
        loop {
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            match bytes.get(i) {
                None => return Err(truncated()),
                Some(b'>') => {
                    self.advance(i + 1);
                    let kind = if close { Kind::Close } else { Kind::Open };
                    return Ok(Tag {
                        name: name.to_string(),
                        kind,
                        line,
                        attrs,
                    });
                }
                Some(b'/') if bytes.get(i + 1) == Some(&b'>') && !close => {
                    self.advance(i + 2);
                    return Ok(Tag {
                        name: name.to_string(),
                        kind: Kind::Empty,
                        line,
                        attrs,
                    });
                }
                Some(_) if close => return Err((line, format!("`</{name}` has more than a name"))),
                Some(_) => {}
            }
            let eq = self.text[i..]
                .find('=')
                .map(|k| i + k)
                .ok_or_else(truncated)?;
            let key = self.text[i..eq].trim();
            if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '>' || c == '<') {
                return Err((line, format!("<{name}> has a malformed attribute")));
            }
            i = eq + 1;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            let quote = match bytes.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => q as char,
                None => return Err(truncated()),
                Some(_) => return Err((line, format!("<{name}> attribute `{key}` is not quoted"))),
            };
            let value_end = self.text[i + 1..]
                .find(quote)
                .map(|k| i + 1 + k)
                .ok_or_else(truncated)?;
            let value = decode(&self.text[i + 1..value_end]).ok_or_else(|| {
                (
                    line,
                    format!("<{name}> attribute `{key}` has an unknown entity"),
                )
            })?;
            attrs.push((key.to_string(), value));
            i = value_end + 1;
        }
    }
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
