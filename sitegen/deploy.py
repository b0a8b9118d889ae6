"""``sitegen deploy``: commit the built site as the whole content of a branch and push it.

The commit is made with git plumbing in a temporary index, with the output
folder as the work tree, so the user's working tree, index and current branch
are never touched. Each deploy adds one commit on top of the branch (its
history is kept); a deploy that changes nothing adds none.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen.build import MARKER, build_site
from sitegen.catalog import load
from sitegen.model import InputError
from sitegen.settings import Settings


class DeployError(Exception):
    """Deploying failed for a reason the user can fix; the message says how."""


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did."""

    remote: str
    branch: str
    commit: str
    """The branch's tip after the deploy."""
    committed: bool
    """False when the site was unchanged since the last deploy."""
    files: int

    def summary(self) -> str:
        """The line printed at the end of a deploy."""
        where = f"{self.remote}/{self.branch}"
        if self.committed:
            return f"deployed {self.files} files to {where} ({self.commit[:10]})"
        return f"nothing changed since the last deploy: {where} stays at {self.commit[:10]}"


@dataclass(frozen=True)
class Git:
    """Runs git for one repository."""

    cwd: Path

    def run(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``git args``; on failure raise ``DeployError`` with git's message if ``check``."""
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.cwd,
                env={**os.environ, **(env or {})},
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError as exc:
            raise DeployError("git is not installed (or not on PATH)") from exc
        if check and done.returncode != 0:
            message = done.stderr.strip() or done.stdout.strip()
            raise DeployError(f"git {args[0]} failed: {message}")
        return done

    def out(self, *args: str) -> str:
        """Standard output of a git command that must succeed."""
        return self.run(args).stdout.strip()

    def commit_of(self, ref: str) -> str | None:
        """The commit a ref points to, or None."""
        done = self.run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False)
        return done.stdout.strip() if done.returncode == 0 else None


def _repository(root: Path, remote: str, branch: str) -> Git:
    """Check the project is in a git repository with the remote, off the deploy branch."""
    git = Git(root)
    if git.run(["rev-parse", "--git-dir"], check=False).returncode != 0:
        raise DeployError(
            f"{root} is not in a git repository; run `git init` and "
            f"`git remote add {remote} URL` first"
        )
    if git.run(["remote", "get-url", remote], check=False).returncode != 0:
        remotes = git.out("remote").split()
        known = f" (remotes: {', '.join(remotes)})" if remotes else " (there are none)"
        raise DeployError(
            f"no git remote named {remote!r}{known}; add it with `git remote add {remote} URL` "
            "or choose one with --remote"
        )
    current = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], check=False).stdout.strip()
    if current == branch:
        raise DeployError(
            f"{branch} is the branch checked out here; deploying replaces its content, "
            "so switch to your project's branch first"
        )
    return git


def _check_last_build(settings: Settings) -> None:
    """With ``--no-build``: the output must be a sitegen build of inputs that have no errors."""
    output = settings.output_path
    if not (output / MARKER).exists():
        raise DeployError(
            f"no built site in {output}; run `sitegen build` (or deploy without --no-build)"
        )
    loaded = load(settings)
    if loaded.errors:
        # A failed build leaves the previous site in place: it does not match the inputs.
        raise InputError(loaded.errors)


def deploy_site(
    settings: Settings,
    *,
    remote: str = "origin",
    branch: str = "gh-pages",
    message: str | None = None,
    build: bool = True,
    progress: bool = False,
) -> DeployResult:
    """Build (unless ``build`` is False), commit the output to ``branch`` and push it.

    Raises ``DeployError`` for git problems and ``InputError`` when the inputs
    have errors; in both cases nothing is pushed.
    """
    git = _repository(settings.root, remote, branch)
    if build:
        build_site(settings, progress=progress)
    else:
        _check_last_build(settings)
    output = settings.output_path
    git_dir = git.out("rev-parse", "--absolute-git-dir")
    ref = f"refs/heads/{branch}"
    local = git.commit_of(ref)
    parent = local or git.commit_of(f"refs/remotes/{remote}/{branch}")

    with tempfile.TemporaryDirectory(prefix="sitegen-deploy-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        site = Git(output)
        tree_git = ["--git-dir", git_dir, "--work-tree", str(output)]
        # --force: the user's global ignore rules must not drop files from the site.
        site.run([*tree_git, "add", "--all", "--force", "--", ".", f":(exclude){MARKER}"], env=env)
        tree = site.run([*tree_git, "write-tree"], env=env).stdout.strip()
    files = len(git.out("ls-tree", "-r", "--name-only", tree).splitlines())

    if parent is not None and git.out("rev-parse", f"{parent}^{{tree}}") == tree:
        commit, committed = parent, False
    else:
        source = git.commit_of("HEAD")
        text = message or (f"Deploy site built from {source[:10]}" if source else "Deploy site")
        args = ["commit-tree", tree, "-m", text]
        if parent is not None:
            args[2:2] = ["-p", parent]
        commit, committed = git.out(*args), True
    if commit != local:
        git.out("update-ref", "-m", "sitegen deploy", ref, commit, local or "")

    pushed = git.run(["push", "--porcelain", remote, f"{ref}:{ref}"], check=False)
    if pushed.returncode != 0:
        said = (pushed.stderr.strip() + "\n" + pushed.stdout.strip()).strip()
        if "rejected" in said or "non-fast-forward" in said or "fetch first" in said:
            raise DeployError(
                f"push rejected: {remote}/{branch} has commits this repository does not have. "
                f"Get them with `git fetch {remote} {branch}` and run `git branch -f {branch} "
                f"{remote}/{branch}` (this drops the local deploy commit), then deploy again. "
                f"git said: {said}"
            )
        raise DeployError(f"git push {remote} {branch} failed: {said}")
    return DeployResult(remote, branch, commit, committed, files)
