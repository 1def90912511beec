//! A read-only view of a store in which the recorded series are those of one dashboard
//! page: the engine's [`crate::engine::charted_series`] then charts exactly that page's
//! benchmarks with one listing of the series (not one per benchmark, and with no glob that
//! could pick a neighbour whose name a `*` in another's matches). Writes are refused.

use std::path::PathBuf;

use crate::model::Report;
use crate::store::{
    BaselineInfo, BaselineKey, HistoryPoint, Judgement, Recorded, RunFilter, RunId, RunInfo, Store,
    StoreError, TokenGrant, TokenScope,
};

pub struct PageView<'a> {
    pub store: &'a dyn Store,
    /// The (benchmark, metric) series of the page, sorted.
    pub series: Vec<(String, String)>,
}

fn read_only() -> StoreError {
    StoreError::Database {
        path: PathBuf::new(),
        message: "a dashboard page's view of the store is read-only".into(),
    }
}

impl Store for PageView<'_> {
    fn series(&self, _filter: &RunFilter) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.series.clone())
    }
    fn metric_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        self.store.metric_history(filter, benchmark, metric)
    }
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError> {
        self.store.runs(filter)
    }
    fn report(&self, id: RunId) -> Result<Report, StoreError> {
        self.store.report(id)
    }
    fn judgement(&self, id: RunId) -> Result<Option<Judgement>, StoreError> {
        self.store.judgement(id)
    }
    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError> {
        self.store.baseline(key)
    }
    fn baselines(&self) -> Result<Vec<BaselineInfo>, StoreError> {
        self.store.baselines()
    }
    fn token_grant(&self, token: &str) -> Result<Option<TokenGrant>, StoreError> {
        self.store.token_grant(token)
    }
    fn project_is_public(&self, project: &str) -> Result<bool, StoreError> {
        self.store.project_is_public(project)
    }
    fn record_profiles(
        &mut self,
        _: RunId,
        _: &[crate::model::profile::BenchProfile],
    ) -> Result<(), StoreError> {
        Err(read_only())
    }
    fn record_judged(&mut self, _: &Report, _: Option<&Judgement>) -> Result<RunId, StoreError> {
        Err(read_only())
    }
    fn record_once(&mut self, _: &Report, _: Option<&Judgement>) -> Result<Recorded, StoreError> {
        Err(read_only())
    }
    fn save_baseline(&mut self, _: &BaselineKey, _: &Report, _: &str) -> Result<(), StoreError> {
        Err(read_only())
    }
    fn remove_baseline(&mut self, _: &BaselineKey) -> Result<bool, StoreError> {
        Err(read_only())
    }
    fn create_token(&mut self, _: &str, _: TokenScope, _: &str) -> Result<String, StoreError> {
        Err(read_only())
    }
    fn set_project_public(&mut self, _: &str, _: bool) -> Result<(), StoreError> {
        Err(read_only())
    }
}
