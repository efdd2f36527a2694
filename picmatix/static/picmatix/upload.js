// The upload form's feedback: a thumbnail of the chosen photo, then a progress bar while it is sent,
// with the button disabled. Without this script the form is a plain POST and works the same.
// Texts come translated from the template's data attributes (templates/orders/upload.html).
(function () {
  "use strict";
  var form = document.querySelector("form.order-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector('input[type="file"][name="photo"]');
  var button = form.querySelector('button[type="submit"]');
  var chosen = document.getElementById("photo-chosen");
  var thumbnail = document.getElementById("photo-thumbnail");
  var fileName = document.getElementById("photo-name");
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-progress-bar");
  var status = document.getElementById("upload-status");
  var error = document.getElementById("upload-error");
  var texts = box.dataset;
  var objectUrl = null;

  var percentFormat = window.Intl ? new Intl.NumberFormat(document.documentElement.lang, { style: "percent" }) : null;

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1);
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    box.hidden = true;
    button.disabled = false;
    form.removeAttribute("aria-busy");
  }

  function tooLarge(file) {
    return file.size > Number(form.dataset.maxBytes);
  }

  // A thumbnail where the browser can decode the file (HEIC often not): else its name says what was chosen.
  input.addEventListener("change", function () {
    error.hidden = true;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    var file = input.files[0];
    chosen.hidden = !file;
    if (!file) return;
    fileName.textContent = file.name + " · " + megabytes(file.size) + " MB";
    thumbnail.hidden = true;
    if (window.URL && URL.createObjectURL && /^image\//.test(file.type || "image/")) {
      objectUrl = URL.createObjectURL(file);
      thumbnail.onload = function () { thumbnail.hidden = false; };
      thumbnail.onerror = function () { thumbnail.hidden = true; };
      thumbnail.src = objectUrl;
    }
    if (tooLarge(file)) showError(texts.tooLarge.replace("SIZE", megabytes(file.size)));
  });

  function start() {
    error.hidden = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    bar.value = 0;
    status.textContent = texts.sending;
    box.hidden = false;
  }

  function progress(fraction) {
    var percent = Math.min(100, Math.round(fraction * 100));
    bar.value = percent;
    var shown = percentFormat ? percentFormat.format(percent / 100) : percent + "%";
    status.textContent = percent < 100 ? texts.sending + " " + shown : texts.sent;
  }

  // Sends the form as the browser would, but with progress. The server answers with a redirect to
  // the order page (followed here, then shown), or with the form again, its errors in it.
  function submit() {
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("Accept", "text/html");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress(event.loaded / event.total);
    });
    request.addEventListener("load", function () {
      var redirected = request.responseURL && new URL(request.responseURL).pathname !== window.location.pathname;
      var html = /text\/html/.test(request.getResponseHeader("Content-Type") || "");
      if (redirected && request.status === 200) {
        window.location.assign(request.responseURL);
      } else if (html && request.status < 500 && request.status !== 413) {
        // The form with the server's message (bad photo, too many uploads...): show that page.
        document.open();
        document.write(request.responseText);
        document.close();
      } else {
        showError(request.status === 413 ? texts.tooLarge.replace("SIZE", megabytes(input.files[0].size)) : texts.failed);
      }
    });
    request.addEventListener("error", function () { showError(texts.network); });
    request.send(new FormData(form));
  }

  form.addEventListener("submit", function (event) {
    var file = input.files[0];
    if (file && tooLarge(file)) {
      event.preventDefault();
      showError(texts.tooLarge.replace("SIZE", megabytes(file.size)));
      return;
    }
    // The direct upload to S3 (direct-upload.js) takes over when it is on; it calls back in here.
    if (form.dataset.directUpload || event.defaultPrevented) return;
    event.preventDefault();
    start();
    if (!file) status.textContent = texts.sent;
    submit();
  });

  window.picmatixUpload = { start: start, progress: progress, submit: submit, fail: showError };
})();
