"""The public API of a crate, as one line per item, read from rustdoc's JSON.

Every path a user can name (public modules walked from the crate root, re-exports followed,
`#[doc(hidden)]` items left out) with its kind, and each function's and method's signature.
`.ci/doc-examples.py` writes it to `<crate>/PUBLIC_API.md` (`KIKET_UPDATE_SNAPSHOTS=1`) or
compares it with that file, so every change to a public surface shows up in review; it also
fails when one item is public at two paths (apart from the `prelude`).
"""

import os

# Items of these crates are listed where a crate re-exports them, not walked into (the
# generated payload types are listed in kiket-types/GENERATED.md).
NOT_WALKED = {"std", "core", "alloc"}


def render_type(crate, ty):
    """A type as Rust spells it (close enough for review)."""
    if ty is None:
        return "()"
    kind, value = next(iter(ty.items()))
    if kind == "resolved_path":
        args = render_args(crate, value.get("args"))
        return value["path"].split("::")[-1] + args
    if kind == "generic":
        return value
    if kind == "primitive":
        return value
    if kind == "borrowed_ref":
        lifetime = f"{value['lifetime']} " if value.get("lifetime") else ""
        mutable = "mut " if value.get("is_mutable") else ""
        return f"&{lifetime}{mutable}{render_type(crate, value['type'])}"
    if kind == "tuple":
        return "(" + ", ".join(render_type(crate, t) for t in value) + ")"
    if kind == "slice":
        return f"[{render_type(crate, value)}]"
    if kind == "array":
        return f"[{render_type(crate, value['type'])}; {value['len']}]"
    if kind == "impl_trait":
        return "impl " + " + ".join(render_bound(crate, b) for b in value)
    if kind == "dyn_trait":
        return "dyn " + " + ".join(render_path(crate, t["trait"]) for t in value["traits"])
    if kind == "raw_pointer":
        return ("*mut " if value.get("is_mutable") else "*const ") + render_type(crate, value["type"])
    if kind == "qualified_path":
        return f"<{render_type(crate, value['self_type'])}>::{value['name']}"
    if kind == "function_pointer":
        return "fn(..)"
    return kind


def render_path(crate, path):
    return path["path"].split("::")[-1] + render_args(crate, path.get("args"))


def render_args(crate, args):
    if not args:
        return ""
    if "angle_bracketed" in args:
        parts = []
        for arg in args["angle_bracketed"]["args"]:
            if "type" in arg:
                parts.append(render_type(crate, arg["type"]))
            elif "lifetime" in arg:
                parts.append(arg["lifetime"])
            elif "const" in arg:
                parts.append(str(arg["const"].get("expr", "_")))
        for constraint in args["angle_bracketed"].get("constraints", []):
            binding = constraint.get("binding", {})
            if "equality" in binding and "type" in binding["equality"]:
                parts.append(f"{constraint['name']} = {render_type(crate, binding['equality']['type'])}")
        return "<" + ", ".join(parts) + ">" if parts else ""
    if "parenthesized" in args:
        inputs = ", ".join(render_type(crate, t) for t in args["parenthesized"]["inputs"])
        output = args["parenthesized"].get("output")
        return f"({inputs})" + (f" -> {render_type(crate, output)}" if output else "")
    return ""


def render_bound(crate, bound):
    if "trait_bound" in bound:
        return render_path(crate, bound["trait_bound"]["trait"])
    if "outlives" in bound:
        return bound["outlives"]
    return "?"


def render_fn(crate, path, function):
    sig = function["sig"]
    inputs = []
    for arg_name, ty in sig["inputs"]:
        if arg_name == "self":
            inputs.append(render_type(crate, ty).replace("Self", "self") if ty != {"generic": "Self"} else "self")
        else:
            inputs.append(f"{arg_name}: {render_type(crate, ty)}")
    output = f" -> {render_type(crate, sig['output'])}" if sig.get("output") else ""
    asyncness = "async " if function["header"].get("is_async") else ""
    return f"{asyncness}fn {path}({', '.join(inputs)}){output}"


def hidden(item):
    return any(a in ("#[doc(hidden)]", "doc(hidden)") or "doc(hidden)" in str(a) for a in item.get("attrs", []))


class Surface:
    def __init__(self, crate):
        self.crate = crate
        self.lines = {}  # path -> line
        self.owners = {}  # item id -> paths (duplicates)

    def add(self, path, line, item_id=None):
        self.lines[path] = line
        if item_id is not None:
            self.owners.setdefault(item_id, []).append(path)

    def walk_module(self, module, prefix, seen):
        for member_id in module["inner"]["module"]["items"]:
            member = self.crate.item(member_id)
            if member is None or member.get("visibility") != "public" or hidden(member):
                continue
            self.walk_item(member, member_id, prefix, seen)

    def walk_item(self, member, member_id, prefix, seen):
        inner_kind = next(iter(member["inner"]))
        if inner_kind == "use":
            use = member["inner"]["use"]
            target = self.crate.item(use["id"]) if use["id"] is not None else None
            if use["is_glob"]:
                if target is not None and "module" in target["inner"]:
                    self.walk_module(target, prefix, seen)
                elif use["id"] is not None and str(use["id"]) in self.crate.paths:
                    external = self.crate.paths[str(use["id"])]
                    self.add(f"{prefix}::*", f"{prefix}::* (glob re-export of {'::'.join(external['path'])})")
                return
            name = use["name"]
            if target is None:
                external = self.crate.paths.get(str(use["id"]), {})
                # The defining crate, not its private module path: moving an item inside its
                # crate is not a change of this crate's surface.
                origin = external.get("path", [use["source"]])[0]
                self.add(f"{prefix}::{name}", f"{prefix}::{name} ({external.get('kind', 'item')} of {origin})",
                         use["id"])
                return
            if target.get("visibility") != "public" and target["crate_id"] == 0:
                pass
            if hidden(target):
                return
            self.walk_item(dict(target, name=name), use["id"], prefix, seen)
            return
        path = f"{prefix}::{member['name']}"
        if inner_kind == "module":
            self.add(path, f"{path} (module)", member_id)
            key = (member_id, path)
            if key not in seen:
                seen.add(key)
                self.walk_module(member, path, seen)
            return
        if inner_kind == "function":
            self.add(path, render_fn(self.crate, path, member['inner']['function']), member_id)
            return
        self.add(path, f"{path} ({inner_kind})", member_id)
        # Members are listed where an item is defined, not again where the prelude re-exports it.
        if member["crate_id"] != 0 or "::prelude" in prefix:
            return
        if inner_kind in ("struct", "enum", "union"):
            if inner_kind == "enum":
                for variant_id in member["inner"]["enum"]["variants"]:
                    variant = self.crate.item(variant_id)
                    if variant and not hidden(variant):
                        self.add(f"{path}::{variant['name']}", f"{path}::{variant['name']} (variant)")
            for method in self.crate.inherent_methods(member):
                if hidden(method):
                    continue
                method_path = f"{path}::{method['name']}"
                self.add(method_path, render_fn(self.crate, method_path, method["inner"]["function"]))
        if inner_kind == "trait":
            for method in self.crate.trait_methods(member):
                if hidden(method):
                    continue
                method_path = f"{path}::{method['name']}"
                self.add(method_path, render_fn(self.crate, method_path, method["inner"]["function"]))


def render(crate):
    """`(markdown, duplicates)`: the crate's public API, and items public at two paths."""
    root = crate.item(crate.root)
    surface = Surface(crate)
    surface.walk_module(root, crate.name, set())
    lines = [f"# Public API of `{crate.name}`", "",
             "Generated from rustdoc's JSON by `.ci/doc-examples.py`; do not edit. CI fails when this file and",
             "the code disagree; update it with `KIKET_UPDATE_SNAPSHOTS=1 python3 .ci/doc-examples.py`.", "",
             "```text"]
    lines += [surface.lines[path] for path in sorted(surface.lines)]
    lines += ["```", ""]
    duplicates = {}
    for item_id, paths in surface.owners.items():
        outside_prelude = sorted({p for p in paths if "::prelude::" not in p})
        if len(outside_prelude) > 1:
            duplicates[item_id] = outside_prelude
    return "\n".join(lines), sorted(duplicates.values())


def check(crate, directory, update):
    """Compares (or with `update`, rewrites) `<directory>/PUBLIC_API.md`; returns problems."""
    text, duplicates = render(crate)
    path = os.path.join(directory, "PUBLIC_API.md")
    problems = [f"{crate.name}: public at two paths: {', '.join(paths)}" for paths in duplicates]
    current = open(path).read() if os.path.exists(path) else None
    if current != text:
        if update:
            with open(path, "w") as f:
                f.write(text)
        else:
            problems.append(f"{path} does not match the public API of {crate.name}; review the change, then run "
                            "KIKET_UPDATE_SNAPSHOTS=1 python3 .ci/doc-examples.py")
    return problems
