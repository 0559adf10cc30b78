//! Request mixes for wrk, as Lua scripts that pick each request's path: a rotation through a list
//! (common codes in turn) and a long tail drawn by Zipf weights (a few URLs often, most rarely).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A Lua script for wrk requesting `paths` in turn (each thread from its own start).
pub fn rotation(dir: &Path, name: &str, paths: &[String]) -> PathBuf {
    script(
        dir,
        name,
        paths,
        "local i = math.random(#paths)\n\
         request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
    )
}

/// A Lua script for wrk drawing each request's path from `paths` with Zipf weights (exponent 1):
/// the n-th path is asked for in proportion to 1/n.
pub fn zipf(dir: &Path, name: &str, paths: &[String]) -> PathBuf {
    let mut cumulative = String::from("local cumulative = {");
    let mut total = 0.0;
    for rank in 1..=paths.len() {
        total += 1.0 / rank as f64;
        let _ = write!(cumulative, "{total:.9},");
    }
    cumulative.push_str("}\n");
    script(
        dir,
        name,
        paths,
        &format!(
            "{cumulative}\
             request = function()\n\
             \x20 local x = math.random() * cumulative[#cumulative]\n\
             \x20 local low, high = 1, #cumulative\n\
             \x20 while low < high do\n\
             \x20   local middle = math.floor((low + high) / 2)\n\
             \x20   if cumulative[middle] < x then low = middle + 1 else high = middle end\n\
             \x20 end\n\
             \x20 return wrk.format(\"GET\", paths[low])\n\
             end\n"
        ),
    )
}

fn script(dir: &Path, name: &str, paths: &[String], body: &str) -> PathBuf {
    let mut text = String::from(
        "-- Written by the API bench: each wrk thread seeds its own generator.\n\
         math.randomseed(tonumber(tostring({}):match(\"0x(%x+)\") or \"1\", 16) % 2147483647)\n\
         local paths = {\n",
    );
    for path in paths {
        let _ = writeln!(text, "  {path:?},");
    }
    text.push_str("}\n");
    text.push_str(body);
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, text).expect("write the wrk script");
    path
}
