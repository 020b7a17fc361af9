"""Seeds and snapshots moto for sakk's end-to-end tests (boto3, endpoint from AWS_ENDPOINT_URL).

  fixture.py seed-foreign PARENT_ZONE_ID   look-alikes of another cluster, untagged parent records
  fixture.py seed-controllers VPC EKS      what Kubernetes controllers would make in the VPC
  fixture.py snapshot                      every resource of every service sakk uses, as JSON
"""
import json
import sys

import boto3

REGION = "us-east-2"


def client(name):
    return boto3.client(name, region_name=REGION)


def tags(items):
    return {tag["Key"]: tag["Value"] for tag in items or []}


def seed_foreign(parent_zone):
    ec2 = client("ec2")
    other = [
        {"Key": "Name", "Value": "simple"},
        {"Key": "sakk.dev/cluster", "Value": "another"},
        {"Key": "sakk.dev/managed-by", "Value": "sakk"},
        {"Key": "sakk.dev/resource", "Value": "vpc.main"},
    ]
    vpc = ec2.create_vpc(
        CidrBlock="10.99.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": other}],
    )["Vpc"]["VpcId"]
    ec2.create_subnet(
        VpcId=vpc,
        CidrBlock="10.99.1.0/24",
        AvailabilityZone="us-east-2a",
        TagSpecifications=[
            {
                "ResourceType": "subnet",
                "Tags": [{"Key": "Name", "Value": "simple-private-us-east-2a"}],
            }
        ],
    )
    ec2.create_security_group(
        GroupName="k8s-elb-lookalike",
        Description="not ours",
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "elbv2.k8s.aws/cluster", "Value": "another"}]}
        ],
    )
    iam = client("iam")
    iam.create_role(
        RoleName="another-cluster",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        Tags=[{"Key": "sakk.dev/cluster", "Value": "another"}],
    )
    iam.create_role(
        RoleName="simple-lookalike",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    s3 = client("s3")
    s3.create_bucket(Bucket="foreign-bucket-of-another", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(
        Bucket="foreign-bucket-of-another",
        Tagging={"TagSet": [{"Key": "sakk.dev/cluster", "Value": "another"}]},
    )
    route53 = client("route53")
    route53.change_resource_record_sets(
        HostedZoneId=parent_zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "www.some.domain.local.",
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "192.0.2.10"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "other.some.domain.local.",
                        "Type": "NS",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "ns-1.example.org"}],
                    },
                },
            ]
        },
    )


def seed_controllers(vpc, eks):
    ec2 = client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    public = [s["SubnetId"] for s in subnets if s.get("MapPublicIpOnLaunch")]
    private = [s["SubnetId"] for s in subnets if not s.get("MapPublicIpOnLaunch")]
    controller = [{"Key": "elbv2.k8s.aws/cluster", "Value": eks}]
    group = ec2.create_security_group(
        GroupName="k8s-traffic-" + eks,
        Description="[k8s] Shared Backend SecurityGroup for LoadBalancer",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": controller}],
    )["GroupId"]
    elb = client("elbv2")
    elb.create_load_balancer(
        Name="k8s-istio-ingress",
        Subnets=public,
        Type="network",
        Scheme="internet-facing",
        Tags=controller + [{"Key": "service.k8s.aws/stack", "Value": "istio-system/istio-ingressgateway"}],
    )
    elb.create_target_group(
        Name="k8s-istio-ingress-tg",
        Protocol="TCP",
        Port=443,
        VpcId=vpc,
        TargetType="ip",
        Tags=controller,
    )
    ec2.create_network_interface(
        SubnetId=private[0],
        Description="aws-K8S-i-0123456789abcdef0",
        Groups=[group],
        TagSpecifications=[
            {
                "ResourceType": "network-interface",
                "Tags": [{"Key": "cluster.k8s.amazonaws.com/name", "Value": eks}],
            }
        ],
    )


def snapshot():
    ec2 = client("ec2")
    out = {}
    out["vpcs"] = sorted(
        [(v["VpcId"], v["CidrBlock"], tags(v.get("Tags"))) for v in ec2.describe_vpcs()["Vpcs"]], key=str
    )
    out["subnets"] = sorted(
        [(s["SubnetId"], s["CidrBlock"], tags(s.get("Tags"))) for s in ec2.describe_subnets()["Subnets"]], key=str
    )
    out["security_groups"] = sorted(
        [(g["GroupId"], g["GroupName"], tags(g.get("Tags"))) for g in ec2.describe_security_groups()["SecurityGroups"]],
        key=str,
    )
    out["internet_gateways"] = sorted(
        [(g["InternetGatewayId"], tags(g.get("Tags"))) for g in ec2.describe_internet_gateways()["InternetGateways"]],
        key=str,
    )
    out["route_tables"] = sorted(
        [(t["RouteTableId"], tags(t.get("Tags"))) for t in ec2.describe_route_tables()["RouteTables"]], key=str
    )
    out["nat_gateways"] = sorted(
        [
            (n["NatGatewayId"], tags(n.get("Tags")))
            for n in ec2.describe_nat_gateways()["NatGateways"]
            if n["State"] != "deleted"
        ],
        key=str,
    )
    out["addresses"] = sorted(
        [(a["AllocationId"], tags(a.get("Tags"))) for a in ec2.describe_addresses()["Addresses"]], key=str
    )
    vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    # moto 5.2 leaves a deleted NAT gateway's interface behind, in a VPC that no longer exists
    # (AWS deletes it with the gateway): such an interface cannot exist in AWS and is skipped.
    out["network_interfaces"] = sorted(
        [
            (i["NetworkInterfaceId"], i.get("Description", ""), i.get("VpcId"), i.get("Status"))
            for i in ec2.describe_network_interfaces()["NetworkInterfaces"]
            if i.get("VpcId") in vpcs or i.get("Description")
        ],
        key=str,
    )
    iam = client("iam")
    out["roles"] = sorted(
        [(r["RoleName"], tags(iam.list_role_tags(RoleName=r["RoleName"])["Tags"])) for r in iam.list_roles()["Roles"]],
        key=str,
    )
    out["oidc_providers"] = sorted(p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"])
    kms = client("kms")
    keys = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta["KeyState"] not in ("PendingDeletion", "PendingReplicaDeletion"):
            keys.append(key["KeyId"])
    out["kms_keys"] = sorted(keys)
    out["kms_aliases"] = sorted(a["AliasName"] for a in kms.list_aliases()["Aliases"])
    logs = client("logs")
    out["log_groups"] = sorted(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"])
    eks = client("eks")
    out["eks_clusters"] = sorted(eks.list_clusters()["clusters"])
    s3 = client("s3")
    buckets = []
    for bucket in s3.list_buckets()["Buckets"]:
        try:
            bucket_tags = tags(s3.get_bucket_tagging(Bucket=bucket["Name"])["TagSet"])
        except Exception:
            bucket_tags = {}
        buckets.append((bucket["Name"], bucket_tags))
    out["buckets"] = sorted(buckets, key=str)
    elb = client("elbv2")
    out["load_balancers"] = sorted(b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"])
    out["target_groups"] = sorted(g["TargetGroupName"] for g in elb.describe_target_groups()["TargetGroups"])
    route53 = client("route53")
    zones = []
    for zone in route53.list_hosted_zones()["HostedZones"]:
        records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        zones.append(
            (
                zone["Id"],
                zone["Name"],
                sorted(
                    (r["Name"], r["Type"], sorted(v["Value"] for v in r.get("ResourceRecords", [])))
                    for r in records
                ),
            )
        )
    out["zones"] = sorted(zones, key=str)
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed-foreign":
        seed_foreign(sys.argv[2])
    elif command == "seed-controllers":
        seed_controllers(sys.argv[2], sys.argv[3])
    elif command == "snapshot":
        snapshot()
    else:
        sys.exit(f"unknown command {command}")
