"""``unmask ledger verify URL``: a served log checked against a saved checkpoint, trusting the server for nothing."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from tests.ledger.helpers import make_records, serve
from unmask.cli import main
from unmask.ledger import Ledger, NoteSigner, NoteVerifier
from unmask.ledger.checkpoint import Checkpoint, sign_checkpoint
from unmask.ledger.remote import API_PREFIX, LogClient, verify_remote
from unmask.ledger.server import PREFIX, create_app

TOKEN = "remote-token"


@dataclass
class Served:
    url: str
    key_path: Path
    verifier: NoteVerifier
    appended: int = 0

    def append(self, n: int) -> None:
        """Append ``n`` records through the API, as a registrant with the token would."""
        body = [
            {
                "sha256": hashlib.sha256(f"remote/{self.appended + i}".encode()).hexdigest(),
                "media_type": "image/png",
                "registrant": "newsroom",
            }
            for i in range(n)
        ]
        auth = {"Authorization": f"Bearer {TOKEN}"}
        response = httpx.post(f"{self.url}{PREFIX}/entries", json=body, headers=auth, timeout=30)
        assert response.status_code == 200, response.text
        self.appended += n


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("remote")
    key_path = root / "ledger.key"
    app = create_app(str(root / "ledger.db"), TOKEN, key_path=key_path)
    with serve(app) as url:
        out = Served(url, key_path, NoteSigner.parse(key_path.read_text()).verifier)
        out.append(3)
        yield out


def verify(*args: str) -> Result:
    return CliRunner().invoke(main, ["ledger", "verify", *args])


def test_log_grew_consistently_and_the_monitor_saves_each_checkpoint(served: Served, tmp_path: Path) -> None:
    saved, key_file = tmp_path / "saved.txt", tmp_path / "log.pub"
    key_file.write_text(str(served.verifier) + "\n")
    first = verify(served.url, "--key", str(served.verifier), "--save-checkpoint", str(saved))
    assert first.exit_code == 0, first.output
    size = int(saved.read_text().split("\n")[1])
    assert first.output == f"ok: the latest checkpoint (size {size}) is signed by the log's key\n"
    served.append(5)
    args = ["--checkpoint", str(saved), "--key-file", str(key_file), "--save-checkpoint", str(saved)]
    grown = verify(served.url + "/", *args)
    assert grown.exit_code == 0, grown.output
    assert grown.output == f"ok: the log grew from size {size} to {size + 5} consistently\n"
    assert saved.read_text().split("\n")[1] == str(size + 5)
    again = verify(served.url + API_PREFIX, *args)  # same size: equal roots, nothing to fetch
    assert again.output == f"ok: the log grew from size {size + 5} to {size + 5} consistently\n"


def test_a_wrong_key_fails_and_no_key_is_a_usage_error(served: Served) -> None:
    other = NoteSigner.generate(served.verifier.name).verifier  # same origin, another key
    result = verify(served.url, "--key", str(other))
    assert result.exit_code == 1
    assert result.output == f"the server's latest checkpoint: the note carries no signature by {other.name}\n"
    missing = verify(served.url)
    assert missing.exit_code == 2 and "--key or --key-file" in missing.output


def _forked_note(served: Served, tmp_path: Path, n: int) -> str:
    """The checkpoint of another log with the same origin and key: n entries that differ from the served ones."""
    shutil.copy(served.key_path, tmp_path / "ledger.key")
    with Ledger.open(tmp_path / "fork.db", key_path=tmp_path / "ledger.key") as fork:
        fork.append(make_records(n, "fork"))
        return fork.checkpoint().note


@pytest.mark.parametrize("kind", ["fork", "ahead", "forged", "origin"])
def test_a_saved_checkpoint_the_log_does_not_extend_fails(served: Served, tmp_path: Path, kind: str) -> None:
    signer = NoteSigner.parse(served.key_path.read_text())
    if kind == "fork":
        note = _forked_note(served, tmp_path, 2)
        expected = "size 2 is not consistent with size {size} (the consistency proof fails)"
    elif kind == "ahead":
        note = _forked_note(served, tmp_path, served.appended + 50)
        expected = "the log shrank from size {saved} to {size}"
    elif kind == "forged":  # someone edits the size of a genuine note
        lines = _forked_note(served, tmp_path, 2).split("\n")
        note = "\n".join([lines[0], "1", *lines[2:]])
        expected = f"the saved checkpoint: the signature by {signer.name} does not verify"
    else:  # signed by the log's key, but for another origin
        note = sign_checkpoint(Checkpoint("example.org/other", 1, bytes(32)), signer)
        expected = f"the saved checkpoint: checkpoint origin 'example.org/other' is not '{signer.name}'"
    saved = tmp_path / "saved.txt"
    saved.write_text(note)
    result = verify(served.url, "--checkpoint", str(saved), "--key", str(served.verifier))
    assert result.exit_code == 1, result.output
    size = int(httpx.get(f"{served.url}{PREFIX}/checkpoint", params={"format": "text"}).text.split("\n")[1])
    assert result.output.startswith(expected.format(size=size, saved=note.split("\n")[1])), result.output


def test_a_server_that_sends_a_bad_proof_is_caught(served: Served) -> None:
    """The proof is verified here, so a server cannot paper over a fork with made-up hashes."""
    real = httpx.Client(base_url=served.url)

    def lying(request: httpx.Request) -> httpx.Response:
        response = real.get(request.url.path, params=request.url.params)
        if request.url.path.endswith("/proof/consistency"):
            body = response.json()
            body["hashes"] = [h[:-2] + ("00" if h[-2:] != "00" else "01") for h in body["hashes"]]
            return httpx.Response(200, json=body)
        return httpx.Response(response.status_code, content=response.content, headers=response.headers)

    saved = httpx.get(f"{served.url}{PREFIX}/checkpoint", params={"format": "text"}).text
    served.append(3)
    with LogClient(served.url, transport=httpx.MockTransport(lying)) as client:
        report = verify_remote(client, served.verifier, saved)
    real.close()
    assert len(report.problems) == 1 and "the consistency proof fails" in report.problems[0]


def test_an_unreachable_server_is_one_line_and_exit_2(served: Served) -> None:
    result = verify("http://127.0.0.1:9", "--key", str(served.verifier), "--timeout", "5")
    assert result.exit_code == 2
    assert result.output.startswith("cannot reach http://127.0.0.1:9/api/ledger: ConnectError")
    assert result.output.count("\n") == 1
