"""The one factory for API clients (sandbox, Local lab, OpenAI, Azure OpenAI), a connection test, and key masking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit

import httpx2
import openai

from finetune_guide.sandbox import SANDBOX_API_KEY, SandboxService

if TYPE_CHECKING:
    from finetune_guide.lab.service import LabTenant

ProviderKind = Literal["sandbox", "local", "openai", "azure"]
PROVIDER_KINDS: tuple[ProviderKind, ...] = ("sandbox", "local", "openai", "azure")
# Providers that never bill: no cost confirmation, no billing banner.
FREE_KINDS: frozenset[str] = frozenset({"sandbox", "local"})

OPENAI_BASE_URL = "https://api.openai.com/v1"
# The in-process sandbox never leaves the process: MockTransport answers before any DNS lookup, and the
# reserved `.invalid` domain guarantees that a misrouted request could not reach a real host either.
SANDBOX_BASE_URL = "http://sandbox.invalid/v1"
LOCAL_BASE_URL = "http://local-lab.invalid/v1"
LOCAL_API_KEY = "local"  # the lab needs a key to file your work under, not a secret
DEFAULT_AZURE_API_VERSION = "2025-04-01-preview"
AZURE_TRAINING_TYPES: tuple[str, ...] = ("Standard", "GlobalStandard", "developerTier")

ConnectionCode = Literal[
    "connected",
    "unauthorized",
    "forbidden",
    "not_found",
    "rate_limited",
    "server_error",
    "timeout",
    "unreachable",
    "http_error",
    "unexpected",
]


@dataclass(frozen=True, slots=True, repr=False)
class ProviderSettings:
    """What a visitor typed on the connection form; lives only in that browser session's state."""

    kind: ProviderKind = "sandbox"
    api_key: str = ""  # OpenAI key or Azure api-key
    organization: str = ""
    project: str = ""
    # An OpenAI-compatible gateway, or Azure's v1 URL (https://<resource>.openai.azure.com/openai/v1/).
    base_url: str = ""
    azure_endpoint: str = ""
    api_version: str = DEFAULT_AZURE_API_VERSION
    azure_ad_token: str = ""
    # Azure: Standard | GlobalStandard | developerTier, sent with a job as extra_body trainingType.
    training_type: str = ""

    def __repr__(self) -> str:
        # Settings end up in tracebacks, st.write debugging and logs; the secrets must not.
        return (
            f"ProviderSettings(kind={self.kind!r}, api_key={masked(self.api_key)!r}, "
            f"organization={self.organization!r}, project={self.project!r}, base_url={self.base_url!r}, "
            f"azure_endpoint={self.azure_endpoint!r}, api_version={self.api_version!r}, "
            f"azure_ad_token={masked(self.azure_ad_token)!r}, training_type={self.training_type!r})"
        )


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """The outcome of a connection test: `code` is stable for translation, `detail` is for the curious."""

    ok: bool
    code: ConnectionCode
    detail: str = ""


class ProviderConfigError(ValueError):
    """The settings cannot build a client; `code` names the field to fix (never carries a secret)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def masked(secret: str) -> str:
    """A key as it may be shown: its public prefix and last four characters ("sk-…abcd")."""
    if not secret:
        return ""
    if len(secret) < 12:
        # Too short for the tail to be safe to show; still signal that something is set.
        return "…"
    prefix = "sk-" if secret.startswith("sk-") else ""
    return f"{prefix}…{secret[-4:]}"


def scrub(text: str, *secrets: str) -> str:
    """Text with every given secret, and anything shaped like an OpenAI key, replaced by its masked form."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, masked(secret))
    return _KEY_SHAPE.sub(lambda match: masked(match.group(0)), text)


_KEY_SHAPE = re.compile(r"sk-[A-Za-z0-9_\-]{8,}")


def training_extra_body(settings: ProviderSettings) -> dict[str, str]:
    """The Azure-only job-creation field (`extra_body=`), empty for every other provider."""
    if settings.kind == "azure" and settings.training_type:
        return {"trainingType": settings.training_type}
    return {}


# The SDK fills unset fields from OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_ADMIN_KEY and
# OPENAI_WEBHOOK_SECRET, at construction and again in every `with_options()` copy; an operator's environment
# must not ride along with a visitor's key, so these subclasses put the visitor's own values back each time.
class IsolatedOpenAI(openai.OpenAI):
    """An `openai.OpenAI` that never picks up organisation, project or admin key from the environment."""

    def copy(self, **kwargs: Any) -> Self:
        copied = super().copy(**kwargs)
        return _isolated(
            copied,
            organization=kwargs.get("organization") or self.organization or "",
            project=kwargs.get("project") or self.project or "",
        )

    with_options = copy


class IsolatedAzureOpenAI(openai.AzureOpenAI):
    """An `openai.AzureOpenAI` with the same isolation from the environment as IsolatedOpenAI."""

    def copy(self, **kwargs: Any) -> Self:
        copied = super().copy(**kwargs)
        return _isolated(
            copied,
            organization=kwargs.get("organization") or self.organization or "",
            project=kwargs.get("project") or self.project or "",
        )

    with_options = copy


_ClientT = TypeVar("_ClientT", bound=openai.OpenAI)


def _isolated(client: _ClientT, *, organization: str, project: str) -> _ClientT:
    client.organization = organization or None
    client.project = project or None
    client.admin_api_key = None
    client.webhook_secret = None
    return client


def build_client(
    settings: ProviderSettings,
    *,
    sandbox: SandboxService | None = None,
    lab: LabTenant | None = None,
    timeout_s: float = 30,
    max_retries: int = 2,
) -> openai.OpenAI:
    """Build the client for these settings; an `openai.AzureOpenAI` for an Azure endpoint.

    Nothing is read from the environment: operator-provided credentials are the caller's decision.
    For "sandbox" without a `sandbox`, a fresh private SandboxService is created. For "local", the in-process
    `lab` when no base URL is set, else the `finetune-guide lab serve` at that URL.
    Raises ProviderConfigError when a required field is missing or malformed.
    """
    if settings.kind == "sandbox":
        return _build_sandbox_client(sandbox, timeout_s=timeout_s, max_retries=max_retries)
    if settings.kind == "local":
        return _build_local_client(settings, lab, timeout_s=timeout_s, max_retries=max_retries)
    if settings.kind == "openai":
        return _build_openai_client(settings, timeout_s=timeout_s, max_retries=max_retries)
    if settings.kind == "azure":
        return _build_azure_client(settings, timeout_s=timeout_s, max_retries=max_retries)
    raise ProviderConfigError("kind", f"Unknown provider {settings.kind!r}; choose sandbox, local, openai or azure.")


def _build_sandbox_client(sandbox: SandboxService | None, *, timeout_s: float, max_retries: int) -> openai.OpenAI:
    service = sandbox if sandbox is not None else SandboxService()
    http_client = httpx2.Client(transport=service.transport(), timeout=timeout_s)
    client = IsolatedOpenAI(
        api_key=SANDBOX_API_KEY,
        base_url=SANDBOX_BASE_URL,
        organization="",
        project="",
        timeout=timeout_s,
        max_retries=max_retries,
        http_client=http_client,
    )
    return _isolated(client, organization="", project="")


def _build_local_client(
    settings: ProviderSettings, lab: LabTenant | None, *, timeout_s: float, max_retries: int
) -> openai.OpenAI:
    base_url = settings.base_url.strip()
    if base_url:
        # A `finetune-guide lab serve` elsewhere (a presenter's GPU machine): each key is its own private lab.
        client = IsolatedOpenAI(
            api_key=settings.api_key.strip() or LOCAL_API_KEY,
            base_url=_checked_url(base_url, field="base_url"),
            organization="",
            project="",
            timeout=max(timeout_s, 600),  # the first chat loads a model
            max_retries=max_retries,
        )
        return _isolated(client, organization="", project="")
    if lab is None:
        raise ProviderConfigError("lab", "The Local lab is not running in this app; enter the URL of a lab server.")
    http_client = httpx2.Client(transport=lab.transport(), timeout=max(timeout_s, 600))
    client = IsolatedOpenAI(
        api_key=LOCAL_API_KEY,
        base_url=LOCAL_BASE_URL,
        organization="",
        project="",
        timeout=max(timeout_s, 600),
        max_retries=0,  # nothing in-process is worth retrying: a retry would only start the work again
        http_client=http_client,
    )
    return _isolated(client, organization="", project="")


def _build_openai_client(settings: ProviderSettings, *, timeout_s: float, max_retries: int) -> openai.OpenAI:
    api_key = settings.api_key.strip()
    if not api_key:
        raise ProviderConfigError("api_key", "Enter your OpenAI API key (it starts with sk-).")
    base_url = _checked_url(settings.base_url.strip() or OPENAI_BASE_URL, field="base_url")
    organization, project = settings.organization.strip(), settings.project.strip()
    client = IsolatedOpenAI(
        api_key=api_key,
        base_url=base_url,
        organization=organization,
        project=project,
        timeout=timeout_s,
        max_retries=max_retries,
    )
    return _isolated(client, organization=organization, project=project)


def _build_azure_client(settings: ProviderSettings, *, timeout_s: float, max_retries: int) -> openai.OpenAI:
    api_key = settings.api_key.strip()
    ad_token = settings.azure_ad_token.strip()
    if api_key and ad_token:
        raise ProviderConfigError("azure_ad_token", "Enter either an API key or a Microsoft Entra token, not both.")
    if not api_key and not ad_token:
        raise ProviderConfigError("api_key", "Enter your Azure OpenAI API key or a Microsoft Entra token.")
    if settings.training_type and settings.training_type not in AZURE_TRAINING_TYPES:
        raise ProviderConfigError("training_type", f"Training type must be one of {', '.join(AZURE_TRAINING_TYPES)}.")
    base_url = settings.base_url.strip()
    endpoint = settings.azure_endpoint.strip()
    if base_url and endpoint:
        raise ProviderConfigError("base_url", "Enter either the resource endpoint or the v1 base URL, not both.")
    if base_url:
        # The v1 API is OpenAI-shaped: no api-version, and the key (or Entra token) travels as a Bearer token.
        client = IsolatedOpenAI(
            api_key=api_key or ad_token,
            base_url=_checked_url(base_url, field="base_url"),
            organization="",
            project="",
            timeout=timeout_s,
            max_retries=max_retries,
        )
        return _isolated(client, organization="", project="")
    if not endpoint:
        raise ProviderConfigError(
            "azure_endpoint",
            "Enter your resource endpoint (https://<resource>.openai.azure.com/) or the v1 base URL.",
        )
    api_version = settings.api_version.strip()
    if not api_version:
        raise ProviderConfigError("api_version", "Enter an API version, for example 2025-04-01-preview.")
    azure = IsolatedAzureOpenAI(
        azure_endpoint=_checked_url(endpoint, field="azure_endpoint"),
        api_version=api_version,
        api_key=api_key or None,
        azure_ad_token=ad_token or None,
        organization="",
        timeout=timeout_s,
        max_retries=max_retries,
    )
    return _isolated(azure, organization="", project="")


def _checked_url(url: str, *, field: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ProviderConfigError(
            field, "Enter a full URL starting with https:// (for example https://api.openai.com/v1)."
        )
    if parts.username or parts.password or parts.query:
        # A key pasted into the URL would end up in logs and error messages.
        raise ProviderConfigError(field, "Enter the URL without credentials or query parameters.")
    return url


def test_connection(client: openai.OpenAI) -> ConnectionCheck:
    """List models once, without retries, and say plainly whether the connection works."""
    quick = client.with_options(max_retries=0, timeout=15)
    secrets = (client.api_key, getattr(client, "_azure_ad_token", None) or "")
    try:
        page = quick.models.list()
    except openai.AuthenticationError as error:
        return ConnectionCheck(False, "unauthorized", _status_detail(error, secrets))
    except openai.PermissionDeniedError as error:
        return ConnectionCheck(False, "forbidden", _status_detail(error, secrets))
    except openai.NotFoundError as error:
        return ConnectionCheck(False, "not_found", _status_detail(error, secrets))
    except openai.RateLimitError as error:
        return ConnectionCheck(False, "rate_limited", _status_detail(error, secrets))
    except openai.InternalServerError as error:
        return ConnectionCheck(False, "server_error", _status_detail(error, secrets))
    except openai.APIStatusError as error:
        return ConnectionCheck(False, "http_error", _status_detail(error, secrets))
    except openai.APITimeoutError:
        return ConnectionCheck(False, "timeout", "No answer within 15 seconds.")
    except openai.APIConnectionError as error:
        cause = type(error.__cause__).__name__ if error.__cause__ else "connection error"
        return ConnectionCheck(False, "unreachable", f"Could not connect ({cause}).")
    except Exception as error:  # a connection test reports; it never crashes the page
        return ConnectionCheck(False, "unexpected", scrub(type(error).__name__, *secrets))
    count = len(page.data)
    return ConnectionCheck(True, "connected", f"{count} model{'s' if count != 1 else ''} visible.")


# Keep pytest from collecting the public function above as a test when a test module imports it.
test_connection.__test__ = False  # type: ignore[attr-defined]


def _status_detail(error: openai.APIStatusError, secrets: tuple[str, ...]) -> str:
    message = error.message if isinstance(error.message, str) else ""
    request_id = f" (request id {error.request_id})" if error.request_id else ""
    return scrub(f"HTTP {error.status_code}: {message}{request_id}", *secrets)[:500]
