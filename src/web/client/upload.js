// Upload by drag and drop or the file picker: PUT /files/<folder><name>, one file at a time.
import { api, fileUrl } from "./api.js";
import { announce, errorText, h } from "./dom.js";

export function uploader(prefix, done) {
  const folder = h("input", {
    id: "upload-to",
    type: "text",
    value: prefix,
    placeholder: "folder/ (optional)",
  });
  const picker = h("input", { id: "upload-files", type: "file", multiple: true });
  const zone = h(
    "div",
    { class: "dropzone", id: "dropzone" },
    h("p", {}, "Drop files here"),
    h("label", { for: "upload-files", class: "inline" }, "or choose files: ", picker),
  );
  const send = async (files) => {
    const target = folder.value && !folder.value.endsWith("/") ? `${folder.value}/` : folder.value;
    for (const file of files) {
      const path = target + file.name;
      announce(`Uploading ${path}…`);
      try {
        await api(fileUrl(path), {
          method: "PUT",
          body: file,
          headers: { "content-type": file.type || "application/octet-stream" },
        });
        announce(`Uploaded ${path}`, "success");
      } catch (err) {
        announce(`${path}: ${errorText(err)}`, "error");
        return;
      }
    }
    done();
  };
  picker.addEventListener("change", () => send([...picker.files]));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    send([...e.dataTransfer.files]);
  });
  return h(
    "div",
    { class: "panel" },
    h("h2", {}, "Upload"),
    h("label", { for: "upload-to" }, "Into folder", folder),
    zone,
  );
}
