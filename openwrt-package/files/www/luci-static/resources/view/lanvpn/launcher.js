'use strict';
'require view';

// LuCI has no external-link menu action (openwrt-contracts §9), so this view sends the browser to
// the lanvpn web UI, which lives outside LuCI at /lanvpn/ and logs in with its own rpcd session.
return view.extend({
	render: function () {
		window.location.href = '/lanvpn/';
		return E('div', { 'class': 'cbi-section' }, [
			E('p', {}, [
				E('a', { 'href': '/lanvpn/', 'class': 'btn cbi-button cbi-button-action' }, _('Open LAN VPN'))
			])
		]);
	},
	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
