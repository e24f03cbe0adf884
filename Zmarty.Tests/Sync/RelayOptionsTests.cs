using Zmarty.Worker.Relay;

namespace Zmarty.Tests.Sync;

/// <summary>The relay's receiver as deployments give it: Render's <c>fromService</c> hostport, a Kubernetes Service.</summary>
public sealed class RelayOptionsTests
{
    [Theory]
    [InlineData("zmarty-api:10000", "http://zmarty-api:10000/hooks/watchers-upsert")]
    [InlineData(" zmarty-api:80 ", "http://zmarty-api/hooks/watchers-upsert")]
    [InlineData("10.0.4.7:8080", "http://10.0.4.7:8080/hooks/watchers-upsert")]
    public void A_host_and_port_on_a_private_network_is_where_the_relay_delivers(string hostPort, string receiver) =>
        Assert.Equal(new Uri(receiver), new RelayOptions { ApiHostPort = hostPort }.PrivateReceiverUrl());

    [Theory]
    [InlineData("")]
    [InlineData("zmarty-api")]
    [InlineData("http://zmarty-api:10000")]
    [InlineData("zmarty-api:10000/hooks")]
    [InlineData("zmarty-api:10000?x=1")]
    [InlineData("zmarty-api:port")]
    public void Anything_else_is_no_private_address(string hostPort) =>
        Assert.Null(new RelayOptions { ApiHostPort = hostPort }.PrivateReceiverUrl());
}
