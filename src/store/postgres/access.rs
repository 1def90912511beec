//! Tokens and public projects of the team server, kept in the database they give access to.

use super::PostgresStore;
use crate::store::{new_token, token_hash, StoreError, TokenGrant, TokenScope};

impl PostgresStore {
    pub(super) fn insert_token(
        &self,
        project: &str,
        scope: TokenScope,
        label: &str,
    ) -> Result<String, StoreError> {
        let token = new_token()?;
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO tokens (sha256, project, scope, label, created_utc) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &token_hash(&token),
                    &project,
                    &scope.as_str(),
                    &label,
                    &crate::context::timestamp_utc(),
                ],
            )
            .map_err(|e| self.err(&e))?;
        Ok(token)
    }

    pub(super) fn find_token(&self, token: &str) -> Result<Option<TokenGrant>, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT project, scope FROM tokens WHERE sha256 = $1",
                &[&token_hash(token)],
            )
            .map_err(|e| self.err(&e))?;
        row.map(|r| {
            let (project, scope): (String, String) = (r.get(0), r.get(1));
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
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO projects (name, public) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET public = EXCLUDED.public",
                &[&project, &public],
            )
            .map(drop)
            .map_err(|e| self.err(&e))
    }

    pub(super) fn read_project_public(&self, project: &str) -> Result<bool, StoreError> {
        self.client
            .borrow_mut()
            .query_opt("SELECT public FROM projects WHERE name = $1", &[&project])
            .map(|r| r.is_some_and(|r| r.get(0)))
            .map_err(|e| self.err(&e))
    }
}

impl PostgresStore {
    /// The gate of run `id` and its verdicts; `None` when it was recorded without a gate.
    pub(super) fn read_judgement(
        &self,
        id: crate::store::RunId,
    ) -> Result<Option<crate::store::Judgement>, StoreError> {
        let mut client = self.client.borrow_mut();
        let gate: Option<Option<String>> = client
            .query_opt("SELECT gate FROM runs WHERE id = $1", &[&id])
            .map(|r| r.map(|r| r.get(0)))
            .map_err(|e| self.err(&e))?;
        let gate = match gate {
            None => {
                return Err(StoreError::NoSuchRun {
                    path: self.location.clone().into(),
                    id,
                })
            }
            Some(None) => return Ok(None),
            Some(Some(gate)) => gate,
        };
        let verdicts = client
            .query(
                "SELECT benchmark, metric, verdict FROM verdicts WHERE run_id = $1
                 ORDER BY benchmark, metric",
                &[&id],
            )
            .map_err(|e| self.err(&e))?
            .iter()
            .map(|r| crate::store::MetricVerdict {
                benchmark: r.get(0),
                metric: r.get(1),
                verdict: r.get(2),
            })
            .collect();
        Ok(Some(crate::store::Judgement { gate, verdicts }))
    }
}
