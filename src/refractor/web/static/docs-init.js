// Starts Swagger UI on /docs (a file, so the page needs no inline script).
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: el.dataset.openapi, dom_id: "#swagger-ui", deepLinking: true });
});
