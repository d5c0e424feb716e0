"""`bank` suite: a ledger of accounts with transfers, a daily transfer limit and overdraft
refusal.

State: `{"accounts": {"checking": 500.0, ...}, "daily_limit": 1000.0, "sent_today": 0.0,
"transactions": [...]}`. Compared keys: each account's balance and `sent_today`. No partial
credit in this suite: money is right or it is not (reward 1 only when every balance, every
milestone and the answer are right; any minefield zeroes it, as everywhere).
"""

from __future__ import annotations

from typing import Any, ClassVar

from agent_rl.envs.function_call.services.base import Service, ServiceError


def _money(x: float) -> float:
    return round(float(x), 2)


class Bank(Service):
    """Accounts, balances and transfers with a daily limit."""

    suite: ClassVar[str] = "bank"
    tool_names: ClassVar[tuple[str, ...]] = (
        "list_accounts",
        "get_balance",
        "transfer",
        "list_transactions",
    )
    mutating: ClassVar[frozenset[str]] = frozenset({"transfer"})
    partial_credit: ClassVar[bool] = False

    def _load(self, state: dict[str, Any]) -> None:
        self.accounts = {k: _money(v) for k, v in state.get("accounts", {}).items()}
        self.daily_limit = _money(state.get("daily_limit", 1000.0))
        self.sent_today = _money(state.get("sent_today", 0.0))
        self.transactions: list[dict[str, Any]] = list(state.get("transactions", []))

    def state(self) -> dict[str, Any]:
        return {
            "accounts": dict(self.accounts),
            "daily_limit": self.daily_limit,
            "sent_today": self.sent_today,
            "transactions": list(self.transactions),
        }

    def comparable_state(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"balance:{k}": v for k, v in self.accounts.items()}
        out["sent_today"] = self.sent_today
        return out

    def _account(self, name: str) -> str:
        if name not in self.accounts:
            raise ServiceError(f"no account {name!r}; accounts: {', '.join(self.accounts)}")
        return name

    def list_accounts(self) -> list[str]:
        """The names of all accounts."""
        return list(self.accounts)

    def get_balance(self, account: str) -> float:
        """An account's balance.

        Args:
            account: the account's name.
        """
        return self.accounts[self._account(account)]

    def transfer(self, source: str, target: str, amount: float) -> dict[str, Any]:
        """Move money between accounts; refused over the balance or the daily limit.

        Args:
            source: account to take the money from.
            target: account to pay into.
            amount: positive amount, at most two decimals.
        """
        self._account(source)
        self._account(target)
        amount = _money(amount)
        if amount <= 0:
            raise ServiceError("the amount must be positive")
        if source == target:
            raise ServiceError("source and target are the same account")
        if self.accounts[source] < amount:
            raise ServiceError(f"insufficient funds: {source} has {self.accounts[source]:.2f}")
        if self.sent_today + amount > self.daily_limit:
            left = self.daily_limit - self.sent_today
            raise ServiceError(f"daily limit: {left:.2f} left of {self.daily_limit:.2f}")
        self.accounts[source] = _money(self.accounts[source] - amount)
        self.accounts[target] = _money(self.accounts[target] + amount)
        self.sent_today = _money(self.sent_today + amount)
        record = {
            "id": len(self.transactions) + 1,
            "source": source,
            "target": target,
            "amount": amount,
        }
        self.transactions.append(record)
        self.log("transfer", source=source, target=target, amount=amount)
        return record

    def list_transactions(self, account: str) -> list[dict[str, Any]]:
        """Transfers into or out of an account, oldest first.

        Args:
            account: the account's name.
        """
        self._account(account)
        return [t for t in self.transactions if account in (t["source"], t["target"])]
