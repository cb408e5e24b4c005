//! The shell corpus shared by tests/hostile.rs and tests/commands.rs: hostile values, and the
//! `exec` template shapes cdkx accepts (with what each prints) and refuses.
#![allow(dead_code)]

/// Values made to break out of every shell context: quotes of each kind, `;`, `$(...)`,
/// backticks, newlines, `$IFS` characters, globs, a leading `-`, escapes, unicode.
pub const SHELL_VALUES: &[&str] = &[
    "x'; touch PWNED; echo '",
    "x; touch PWNED #",
    "$(touch PWNED)",
    "`touch PWNED`",
    "x\"; touch PWNED; echo \"",
    "x\\\"; touch PWNED #",
    "a'b\"c\\d`e$f",
    "line1\ntouch PWNED\nline3",
    "\n$(touch PWNED)\n",
    " \t spaced\tout \t",
    "${IFS}touch${IFS}PWNED",
    "* ? [a-z] ~ {a,b}",
    "-rf",
    "--help",
    "a)b;;esac; touch PWNED; case x in x)",
    "EOF\ntouch PWNED\nEOF",
    "$((1+1)) $[2] ${HOME} $HOME %s %n \\n",
    "ünïcödé ✓ 日本 \u{202e}rtl",
];

/// `exec` templates that cdkx accepts, with what each prints for a stack name `v`. Every shell
/// shape a template may take around a placeholder: bare, glued, quoted, assignments, `case`,
/// functions, pipes, `&&`/`||`, subshells, loops, `if`, redirections, here-documents after or
/// beside the placeholder, `${VAR:-...}`, arithmetic and command substitution through the
/// environment variable.
/// `placeholder`: the one the templates use (`STACK_NAME`, `PHYSICAL_RESOURCE_ID`...).
pub fn accepted_shapes(placeholder: &str, v: &str) -> Vec<(String, String)> {
    let shapes: Vec<(&str, String)> = vec![
        ("printf '<%s>' ${STACK_NAME}", format!("<{v}>")),
        ("printf '<%s>' \"${STACK_NAME}\"", format!("<{v}>")),
        (
            "printf '<%s>' \"Stack: ${STACK_NAME}!\"",
            format!("<Stack: {v}!>"),
        ),
        (
            "printf '<%s>' pre${STACK_NAME}post",
            format!("<pre{v}post>"),
        ),
        ("printf '<%s>' 'q'${STACK_NAME}'q'", format!("<q{v}q>")),
        ("X=${STACK_NAME}; printf '<%s>' \"$X\"", format!("<{v}>")),
        // The spelling for a nested shell: the variable, expanded by that shell.
        (
            "sh -c 'printf \"<%s>\" \"$CDKX_STACK_NAME\"'",
            format!("<{v}>"),
        ),
        (
            "case ${STACK_NAME} in \"${STACK_NAME}\") printf '<same>';; *) printf '<other>';; esac",
            "<same>".into(),
        ),
        (
            "f() { printf '<%s>' \"$1\"; }; f ${STACK_NAME}",
            format!("<{v}>"),
        ),
        (
            "printf '%s' ${STACK_NAME} | { printf '<'; cat; printf '>'; }",
            format!("<{v}>"),
        ),
        (
            "test -n ${STACK_NAME} && printf '<%s>' ${STACK_NAME} || printf '<empty>'",
            format!("<{v}>"),
        ),
        ("( printf '<%s>' ${STACK_NAME} )", format!("<{v}>")),
        (
            "for s in ${STACK_NAME}; do printf '<%s>' \"$s\"; done",
            format!("<{v}>"),
        ),
        (
            "if [ \"${STACK_NAME}\" = ${STACK_NAME} ]; then printf '<%s>' \"${STACK_NAME}\"; fi",
            format!("<{v}>"),
        ),
        (
            "printf '%s' ${STACK_NAME} > out.txt && printf '<%s>' \"$(cat out.txt)\"",
            format!("<{}>", v.trim_end_matches('\n')),
        ),
        (
            "printf '<%s>' ${STACK_NAME}; cat <<'EOF'\n$(touch PWNED) `touch PWNED`\nEOF",
            format!("<{v}>$(touch PWNED) `touch PWNED`\n"),
        ),
        ("cat <<EOF\n<$CDKX_STACK_NAME>\nEOF", format!("<{v}>\n")),
        (
            "printf '<%s>' \"${CDKX_STACK_NAME:-none}\" \"${NOT_SET:-dflt}\" ${STACK_NAME}",
            format!("<{v}><dflt><{v}>"),
        ),
        (
            "printf '<%s>' \"$((1 + 2))\" ${STACK_NAME}",
            format!("<3><{v}>"),
        ),
        (
            "printf '<%s>' \"$(printf '%s' \"$CDKX_STACK_NAME\")\" `echo ok` ${STACK_NAME}",
            format!("<{}><ok><{v}>", v.trim_end_matches('\n')),
        ),
        (
            "exec printf '<%s>' ${STACK_NAME} # ${STACK_NAME} in a comment",
            format!("<{v}>"),
        ),
        ("printf '<%s>' ${STACK_NAME} \"$@\"", format!("<{v}>")),
    ];
    shapes
        .into_iter()
        .map(|(t, want)| (t.replace("STACK_NAME", placeholder), want))
        .collect()
}

/// Templates refused when the file is loaded: a placeholder where its value would not expand
/// or would be read again as code.
pub const REFUSED_SHAPES: &[&str] = &[
    "echo \"Stack: $(printf '%s' '${STACK_NAME}')\"",
    "echo \"Stack: `printf '%s' '${STACK_NAME}'`\"",
    "echo \\${STACK_NAME}",
    "cat <<EOF\nStack: ${STACK_NAME}\nEOF",
    "cat <<'EOF'\nStack: ${STACK_NAME}\nEOF",
    "sh <<EOF\necho ${STACK_NAME}\nEOF",
    "echo '${STACK_NAME}'",
    "echo $'${STACK_NAME}'",
    "echo $(echo ${STACK_NAME})",
    "echo `echo ${STACK_NAME}`",
    "echo $((${STACK_NAME}))",
    "(( ${STACK_NAME} > 0 ))",
    "echo ${STACK_NAME:-none}",
    "echo ${FOO:-${STACK_NAME}}",
    "eval echo ${STACK_NAME}",
    "eval \"echo ${STACK_NAME}\"",
    "sh -c \"echo ${STACK_NAME}\"",
    "bash -c 'echo '${STACK_NAME}",
    "echo ${STACK_NAME} | sh",
    "printf '%s' ${STACK_NAME} | /bin/sh -s",
    "trap \"echo ${STACK_NAME}\" EXIT",
    "${STACK_NAME}",
    "A=1 ${STACK_NAME} --help",
    "$SHELL -c ${STACK_NAME}",
    "echo \"${STACK_NAME}",
];
