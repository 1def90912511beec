//! Tokens and public projects of the team server, kept in the store they give access to.

use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::store::{new_token, token_hash, StoreError, TokenGrant, TokenScope};

impl SqliteStore {
    pub(super) fn insert_token(
        &self,
        project: &str,
        scope: TokenScope,
        label: &str,
    ) -> Result<String, StoreError> {
        let token = new_token()?;
        self.conn
            .execute(
                "INSERT INTO tokens (sha256, project, scope, label, created_utc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    token_hash(&token),
                    project,
                    scope.as_str(),
                    label,
                    crate::context::timestamp_utc()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(token)
    }

    pub(super) fn find_token(&self, token: &str) -> Result<Option<TokenGrant>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT project, scope FROM tokens WHERE sha256 = ?1")
            .and_then(|mut s| {
                s.query_row([token_hash(token)], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        row.map(|(project, scope)| {
            let scope = TokenScope::parse(&scope)
                .ok_or_else(|| self.corrupt(format!("token of {project}: scope `{scope}`")))?;
            Ok(TokenGrant { project, scope })
        })
        .transpose()
    }

    pub(super) fn write_project_public(
        &self,
        project: &str,
        public: bool,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO projects (name, public) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET public = excluded.public",
                params![project, public],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    pub(super) fn read_project_public(&self, project: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT public FROM projects WHERE name = ?1")
            .and_then(|mut s| s.query_row([project], |r| r.get(0)).optional())
            .map(|p: Option<bool>| p.unwrap_or(false))
            .map_err(|e| self.err(e))
    }
}

impl SqliteStore {
    /// The gate of run `id` and its verdicts; `None` when it was recorded without a gate.
    pub(super) fn read_judgement(
        &self,
        id: crate::store::RunId,
    ) -> Result<Option<crate::store::Judgement>, StoreError> {
        let gate: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT gate FROM runs WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        let gate = match gate {
            None => {
                return Err(StoreError::NoSuchRun {
                    path: self.path.clone(),
                    id,
                })
            }
            Some(None) => return Ok(None),
            Some(Some(gate)) => gate,
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT benchmark, metric, verdict FROM verdicts WHERE run_id = ?1
                 ORDER BY benchmark, metric",
            )
            .map_err(|e| self.err(e))?;
        let verdicts = stmt
            .query_map([id], |r| {
                Ok(crate::store::MetricVerdict {
                    benchmark: r.get(0)?,
                    metric: r.get(1)?,
                    verdict: r.get(2)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        Ok(Some(crate::store::Judgement { gate, verdicts }))
    }
}
