// Shared options builder for qp_modules.js (mirrors quickpizza's lib/load-options.js idea).
export function loadOptions(load) {
  return Object.assign(
    {
      thresholds: {
        http_req_failed: ["rate<0.01"],
        checks: ["rate==1"],
      },
    },
    load,
  );
}
