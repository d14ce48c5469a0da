// import.meta of the main module, a static import and a dynamic import, in every VU
// (patched/v8x change 35 fills it when a module first reads it).
import { libResolved, libUrl } from "./lib/meta.js";

export default async function () {
  const dynamic = await import("./lib/meta_dynamic.js");
  const end = (url, path) => url.endsWith(`/tests/scripts/${path}`);
  console.log(
    `main=${end(import.meta.url, "import_meta.js")} lib=${end(libUrl, "lib/meta.js")} ` +
      `resolved=${end(libResolved, "lib/x.js")} dynamic=${end(dynamic.url, "lib/meta_dynamic.js")}`,
  );
}
