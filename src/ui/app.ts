document.getElementById('app')!.textContent = 'Switchyard';
