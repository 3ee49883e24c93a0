"""deploy/k8s agrees with config/production.env and the Dockerfile.

The edge's networks are one value set written in two places: the app's setting
(TRUSTED_EDGE_NETWORKS, copied into the ConfigMap) and the network's rules (the
NetworkPolicy's ipBlocks and the Service's loadBalancerSourceRanges). Change one
without the other and these tests fail, naming both files.
"""

from __future__ import annotations

import ipaddress
import re

import yaml  # PyYAML comes with pre-commit, in the dev extra

from ..support.project import PROJECT_ROOT
from .edge_profile import PRODUCTION_ENV, settings_in

K8S = PROJECT_ROOT / "deploy" / "k8s"


def manifest(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text(encoding="utf-8"))


def networks(cidrs) -> set:
    return {ipaddress.ip_network(cidr.strip()) for cidr in cidrs if cidr.strip()}


def trusted_edge_networks() -> set:
    return networks(settings_in(PRODUCTION_ENV)["TRUSTED_EDGE_NETWORKS"].split(","))


def app_container() -> dict:
    (container,) = manifest("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    return container


def test_configmap_settings_are_a_copy_of_production_env():
    assert settings_in(K8S / "settings.env") == settings_in(PRODUCTION_ENV), (
        "deploy/k8s/settings.env must hold the same settings as config/production.env"
    )


def test_network_policy_admits_exactly_the_trusted_edge_networks():
    (rule,) = manifest("networkpolicy.yaml")["spec"]["ingress"]
    admitted = networks(peer["ipBlock"]["cidr"] for peer in rule["from"])

    assert admitted == trusted_edge_networks(), (
        "deploy/k8s/networkpolicy.yaml ipBlocks differ from TRUSTED_EDGE_NETWORKS "
        "in config/production.env"
    )


def test_service_accepts_exactly_the_trusted_edge_networks():
    ranges = networks(manifest("service.yaml")["spec"]["loadBalancerSourceRanges"])

    assert ranges == trusted_edge_networks(), (
        "deploy/k8s/service.yaml loadBalancerSourceRanges differ from TRUSTED_EDGE_NETWORKS "
        "in config/production.env"
    )


def test_container_port_is_the_port_the_app_listens_on():
    (port,) = app_container()["ports"]

    assert str(port["containerPort"]) == settings_in(PRODUCTION_ENV)["PORT"]


def test_pods_run_as_the_user_the_image_declares():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    user, group = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.MULTILINE).groups()
    pod = manifest("deployment.yaml")["spec"]["template"]["spec"]["securityContext"]

    assert (pod["runAsUser"], pod["runAsGroup"]) == (int(user), int(group))
