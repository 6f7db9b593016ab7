"""The apps depend one way (README, "Architecture"): ordermgmt ← customers ← inventory ←
orders ← fulfillment ← aftersales ← integrations ← servicedesk ← reports, and no two modules of an app
import each other. The contracts are import-linter's, declared in pyproject.toml; grimp reads every
import statement of every module, those inside functions included."""

import sys
import textwrap

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

from tests.conftest import PROJECT_ROOT

CONTRACT_TYPES = {"layers": LayersContract, "acyclic_siblings": AcyclicSiblingsContract}


@pytest.fixture(scope="module")
def options():
    configuration.configure()
    return read_user_options(str(PROJECT_ROOT / "pyproject.toml"))


def project_graph(options):
    """Built afresh for each check: a contract removes its ignored imports from the graph."""
    return grimp.build_graph(*options.session_options["root_packages"], cache_dir=None)


def contracts(options) -> dict:
    return {
        contract["id"]: CONTRACT_TYPES[contract["type"]](
            name=contract["name"], session_options=options.session_options, contract_options=contract,
        )
        for contract in options.contracts_options
    }


def broken(contract, graph) -> str:
    """'' when the contract is kept, else what breaks it."""
    check = contract.check(graph, verbose=False)
    return "" if check.kept else f"{contract.name}: {check.metadata}"


def test_the_apps_depend_one_way_and_no_module_of_an_app_imports_another_that_imports_it(options):
    problems = [broken(contract, project_graph(options)) for contract in contracts(options).values()]
    assert not any(problems), "\n".join(p for p in problems if p)


def test_an_import_pointing_up_the_layers_breaks_the_contract(options):
    graph = project_graph(options)
    graph.add_import(importer="customers.views", imported="orders.selectors", line_number=1,
                     line_contents="from orders.selectors import order_list_queryset")
    assert "orders.selectors" in broken(contracts(options)["layers"], graph)


def test_the_service_desk_may_read_the_apps_below_but_no_app_below_may_read_it(options):
    graph = project_graph(options)
    assert graph.find_modules_that_directly_import("servicedesk.selectors") >= {"reports.sources"}
    graph.add_import(importer="aftersales.panels", imported="servicedesk.selectors", line_number=1,
                     line_contents="from servicedesk.selectors import order_complaints")
    assert "servicedesk.selectors" in broken(contracts(options)["layers"], graph)


def test_the_service_desk_sits_above_integrations(options):
    graph = project_graph(options)
    assert graph.find_modules_that_directly_import("integrations.domain_events") >= {"servicedesk.receivers"}
    graph.add_import(importer="integrations.services.webhooks", imported="servicedesk.services", line_number=1,
                     line_contents="from servicedesk.services import staff_notify")
    assert "servicedesk.services" in broken(contracts(options)["layers"], graph)


def test_an_import_between_two_modules_of_an_app_in_both_directions_breaks_the_contract(options):
    graph = project_graph(options)
    graph.add_import(importer="reports.periods", imported="reports.metrics", line_number=1,
                     line_contents="from .metrics import compute_report")
    assert broken(contracts(options)["acyclic"], graph)


def test_an_import_inside_a_function_counts_like_any_other(tmp_path, monkeypatch, options):
    """A function-level import that dodges a cycle is found: grimp reads them too."""
    for package, source in {
        "low": "def helper():\n    from high import views  # dodging a cycle\n    return views\n",
        "high": "from low import helper\n",
    }.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    graph = grimp.build_graph("low", "high", cache_dir=None)
    contract = LayersContract(name="low below high", session_options={"root_packages": ["low", "high"]},
                              contract_options={"layers": ["high", "low"]})
    assert broken(contract, graph)
