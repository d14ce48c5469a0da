//! rk6's JavaScript runtime: the deno_core extension with the built-in modules and
//! globals, the module loader, and the state the ops share with the runner.
//!
//! Embedders who drive their own `JsRuntime` add [`extension`] and use
//! [`loader::Rk6ModuleLoader`] (or map the specifiers in
//! [`loader::BUILTIN_MODULES`] in their own loader).

pub(crate) mod cjs;
pub mod loader;
pub(crate) mod ops;
pub mod snapshot;
pub mod state;
pub(crate) mod strings;
pub(crate) mod typescript;

use crate::kv::entry_ops as kv_entry_ops;
use crate::kv::ops as kv_ops;
use crate::kv::queue_ops as kv_queue_ops;
use crate::kv::snapshot_ops as kv_snapshot_ops;
use crate::modules::crypto::{
    ec as ec_ops, ops as crypto_ops, rsa as rsa_ops, subtle as subtle_ops,
};
use crate::modules::csv::ops as csv_ops;
use crate::modules::data::ops as data_ops;
use crate::modules::encoding::ops as encoding_ops;
use crate::modules::fs::ops as fs_ops;
use crate::modules::http::ops as http_ops;
use deno_core::Extension;
use state::VuState;

deno_core::extension!(
    rk6,
    ops = [
        ops::op_rk6_log,
        ops::op_rk6_env,
        ops::op_rk6_expose_deno,
        ops::op_rk6_vu_id,
        ops::op_rk6_iteration,
        ops::op_rk6_in_init,
        ops::op_rk6_open_text,
        ops::op_rk6_open_bytes,
        ops::op_rk6_sleep,
        ops::op_rk6_check,
        ops::op_rk6_register,
        ops::op_rk6_iter_begin,
        ops::op_rk6_lifecycle_stage,
        ops::op_rk6_setup_data,
        ops::op_rk6_set_setup_result,
        ops::op_rk6_options,
        ops::op_rk6_abort,
        ops::op_rk6_exec_number,
        ops::op_rk6_exec_text,
        ops::op_rk6_metric_add,
        ops::op_rk6_now_ms,
        ops::op_rk6_metric_define,
        ops::op_rk6_vu_tags,
        ops::op_rk6_vu_tag_set,
        ops::op_rk6_vu_tag_get,
        ops::op_rk6_summary_data,
        ops::op_rk6_summary_output,
        kv_ops::op_kv_open,
        kv_ops::op_kv_get,
        kv_ops::op_kv_get_checked,
        kv_ops::op_kv_exists,
        kv_ops::op_kv_exists_checked,
        kv_ops::op_kv_list,
        kv_ops::op_kv_size,
        kv_ops::op_kv_set,
        kv_ops::op_kv_delete,
        kv_ops::op_kv_clear,
        kv_ops::op_kv_increment_by,
        kv_ops::op_kv_get_or_set,
        kv_ops::op_kv_swap,
        kv_ops::op_kv_compare_and_swap,
        kv_ops::op_kv_delete_if_exists,
        kv_ops::op_kv_compare_and_delete,
        kv_ops::op_kv_scan,
        kv_ops::op_kv_count,
        kv_entry_ops::op_kv_set_expiring,
        kv_entry_ops::op_kv_get_entry,
        kv_entry_ops::op_kv_commit,
        kv_queue_ops::op_kv_random_key,
        kv_queue_ops::op_kv_pop_random,
        kv_queue_ops::op_kv_claim_random,
        kv_queue_ops::op_kv_end_claim,
        kv_queue_ops::op_kv_pop_random_now,
        kv_queue_ops::op_kv_claim_random_now,
        kv_queue_ops::op_kv_end_claim_now,
        kv_queue_ops::op_kv_stats,
        kv_snapshot_ops::op_kv_backup,
        kv_snapshot_ops::op_kv_restore,
        kv_ops::op_kv_close,
        kv_ops::op_kv_set_now,
        kv_ops::op_kv_delete_now,
        kv_ops::op_kv_increment_by_now,
        kv_ops::op_kv_get_or_set_now,
        kv_ops::op_kv_swap_now,
        kv_ops::op_kv_compare_and_swap_now,
        kv_ops::op_kv_delete_if_exists_now,
        kv_ops::op_kv_compare_and_delete_now,
        kv_ops::op_kv_metrics_define,
        kv_ops::op_kv_clock,
        kv_ops::op_kv_record,
        http_ops::op_http_request,
        http_ops::op_http_request_one,
        http_ops::op_http_request_async,
        http_ops::op_http_responses,
        http_ops::op_http_user_agent,
        http_ops::op_http_jar_get,
        http_ops::op_http_jar_set,
        http_ops::op_http_jar_remove,
        http_ops::op_http_jar_new,
        http_ops::op_http_jar_drop,
        http_ops::op_http_jar_count,
        http_ops::op_http_json_select,
        http_ops::op_http_json_select_bytes,
        encoding_ops::op_encoding_b64encode,
        encoding_ops::op_encoding_b64decode,
        encoding_ops::op_encoding_b64decode_text,
        crypto_ops::op_crypto_digest,
        crypto_ops::op_crypto_hmac,
        crypto_ops::op_crypto_random,
        crypto_ops::op_webcrypto_source,
        subtle_ops::op_subtle_digest,
        subtle_ops::op_subtle_aes,
        ec_ops::op_subtle_ec,
        ec_ops::op_subtle_ecdsa_verify,
        rsa_ops::op_subtle_rsa,
        data_ops::op_data_claim,
        data_ops::op_data_push,
        data_ops::op_data_finish,
        data_ops::op_data_abandon,
        data_ops::op_data_len,
        data_ops::op_data_get,
        fs_ops::op_fs_open,
        fs_ops::op_fs_read,
        csv_ops::op_csv_parse,
        csv_ops::op_csv_parser_new,
        csv_ops::op_csv_parser_next,
    ],
    options = { vu: VuState },
    state = |state, options| {
        state.put(options.vu);
    },
);

/// The extension that gives a runtime rk6's ops, for the VU described by `vu`. The
/// JavaScript side (runtime-js/) is served as ordinary modules by
/// [`loader::Rk6ModuleLoader`]: the synthetic main module imports `rk6:bootstrap.js`
/// (globals) before the script.
pub fn extension(vu: VuState) -> Extension {
    rk6::init(vu)
}
