// Direct upload (PICMATIX_DIRECT_UPLOAD=1): send the photo straight to S3, then submit the form
// with the token of the uploaded object instead of the file. Any failure falls back to the normal
// upload, where the server checks the file and says in the customer's language what is wrong.
(function () {
  "use strict";
  var form = document.querySelector("form[data-direct-upload]");
  if (!form || !window.fetch || !window.FormData) return;
  var input = form.querySelector('input[type="file"][name="photo"]');
  var token = form.querySelector('input[name="upload"]');
  var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]');
  var busy = false;

  function send(file) {
    // With reCAPTCHA on, the policy is handed out only for a passed captcha: send the widget's
    // answer. The order form then asks for none (Google checks each answer only once).
    var ask = new FormData();
    var captcha = form.querySelector('[name="g-recaptcha-response"]');
    if (captcha) ask.append("captcha", captcha.value);
    return fetch(form.dataset.directUpload, {
      method: "POST",
      headers: { "X-CSRFToken": csrf.value },
      credentials: "same-origin",
      body: ask,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("policy: " + response.status);
        return response.json();
      })
      .then(function (policy) {
        var body = new FormData();
        Object.keys(policy.fields).forEach(function (name) {
          body.append(name, policy.fields[name]);
        });
        // S3 reads the fields before the file: Content-Type must come first (the policy checks it).
        body.append("Content-Type", file.type || "application/octet-stream");
        body.append("file", file);
        return post(policy.url, body).then(function () {
          return policy.token;
        });
      });
  }

  // XMLHttpRequest rather than fetch: only it reports the upload's progress (upload.js shows it).
  function post(url, body) {
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("POST", url);
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable && window.picmatixUpload) window.picmatixUpload.progress(event.loaded / event.total);
      });
      request.addEventListener("load", function () {
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(new Error("upload: " + request.status));
      });
      request.addEventListener("error", function () { reject(new Error("upload: network")); });
      request.send(body);
    });
  }

  form.addEventListener("submit", function (event) {
    if (busy || event.defaultPrevented || !input || !input.files.length) return;
    event.preventDefault();
    busy = true;
    form.setAttribute("aria-busy", "true");
    if (window.picmatixUpload) window.picmatixUpload.start();
    send(input.files[0])
      .then(function (value) {
        token.value = value;
        input.disabled = true; // the photo is in S3 now: do not send it a second time
      })
      .catch(function () {
        token.value = "";
      })
      .then(function () {
        // With upload.js, the form goes with a progress bar (the whole photo, if S3 failed).
        if (window.picmatixUpload) window.picmatixUpload.submit();
        else form.submit();
      });
  });
})();
