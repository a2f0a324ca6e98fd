// Classic script: CortiAuth is the global that corti-auth.global.js defines.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  function status(state, text) {
    $("status").dataset.state = state;
    $("status").textContent = text;
  }

  function fail(e) {
    status("error", "Sign-in failed");
    $("error").textContent = (e && e.message) + " (" + ((e && e.code) || "internal") + ")";
    $("error").hidden = false;
    $("sign-in").hidden = false;
  }

  // Your settings. In this example they come from the local environment's /config.json;
  // for Corti, write them here: { clientId: "<from Corti Console>", environment: "eu", tenant: "<realm>" }.
  fetch("/config.json")
    .then(function (r) { return r.json(); })
    .then(function (cfg) {
      return CortiAuth.load().then(function (corti) {
        var client = corti.createClient({
          clientId: cfg.clientId,
          redirectUri: location.origin + location.pathname, // this page is the registered callback
          tenant: cfg.tenant,
          authBaseURL: cfg.authBaseURL,
          assistantBaseURL: cfg.assistantBaseURL,
        });
        $("sign-in").addEventListener("click", function () {
          status("signing-in", "Signing in…");
          client.login({ prompt: "login" }).catch(fail);
        });
        if (!client.isCallback()) {
          status("signed-out", "Signed out");
          $("sign-in").hidden = false;
          return;
        }
        status("signing-in", "Signing in…");
        return client.handleCallback().then(function (session) {
          var c = session.claims;
          $("name").textContent = c.name || c.preferredUsername;
          $("email").textContent = c.email;
          $("tenant").textContent = c.tenant;
          $("user").hidden = false;
          status("signed-in", "Signed in as " + (c.name || c.preferredUsername));
          window.exampleSession = session;
        });
      });
    })
    .catch(fail);
})();
