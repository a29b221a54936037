using Fleet.Application;
using Fleet.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddFleetDatabase();
builder.AddFleetSettings();
builder.Services.AddFleetApplication();
builder.AddFleetSecurity();
builder.AddFleetWeb();

var app = builder.Build();
app.UseFleet();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
